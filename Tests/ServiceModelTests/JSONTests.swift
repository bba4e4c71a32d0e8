import Foundation
import KProxyTestSupport
@testable import ServiceModel
import Testing

/// JSON is read as JSON: what RFC 8259 allows and nothing more, into the nodes the
/// decoders read.
@Suite struct JSONTests {
    struct Malformed: Sendable, CustomTestStringConvertible {
        var json: String
        var line: Int
        var column: Int
        var problem: String
        var testDescription: String { problem }
    }

    static let malformed: [Malformed] = [
        Malformed(json: #"{"a": 1,}"#, line: 1, column: 9, problem: "trailing comma before '}'"),
        Malformed(json: "[1,\n 2,\n]", line: 3, column: 1, problem: "trailing comma before ']'"),
        Malformed(json: #"{"port": 080}"#, line: 1, column: 11, problem: "a number must not have a leading zero"),
        Malformed(json: #"{port: 80}"#, line: 1, column: 2, problem: "unexpected 'p', expected a quoted key"),
        Malformed(json: #"{"a": "x"#, line: 1, column: 9, problem: "unterminated string"),
        Malformed(json: #"{"a": "\q"}"#, line: 1, column: 9, problem: #"unknown escape \q in a string"#),
        Malformed(json: #"["\ud800"]"#, line: 1, column: 9, problem: #"a lone surrogate \ud800 in a string"#),
        Malformed(json: "[\"a\tb\"]", line: 1, column: 4, problem: "a control character must be escaped in a string"),
        Malformed(json: #"{"a": 1} x"#, line: 1, column: 10, problem: "unexpected 'x' after the value"),
        Malformed(json: #"{"a": tru}"#, line: 1, column: 7, problem: "unexpected 't', expected a value"),
        Malformed(json: "", line: 1, column: 1, problem: "unexpected end of input, expected a value"),
        Malformed(json: String(repeating: "[", count: 600), line: 1, column: 101, problem: "nested more than 100 levels deep"),
    ]

    @Test(arguments: malformed)
    func malformedJSONIsRefusedAtItsPlace(_ input: Malformed) {
        #expect(throws: JSONSyntaxError(line: input.line, column: input.column, problem: input.problem)) {
            _ = try JSONReader.parse(Array(input.json.utf8))
        }
    }

    /// List items as an API server might send them, well formed or not; the list is read
    /// with its items delimited first and parsed apart.
    static let listItems: [String] = [
        #"{"a": [1, {"b": "]}\\"}"}], "c": "x,y"}"#,
        #"["a\"],b", "\\"]"#, "\"text\"", "-1.5e3", "true", "null", "[]", "{}", "[[[]]]",
        #"{"a": 1,}"#, #"{"a": 1}}"#, #"{"a": 1"#, "[1 2]", "01", "tru", #""a\qb""#, "\"a\tb\"", "", "1 x", "1x", "truex",
        "{\"a\":\n  [1,\n   2,]}",
    ]

    @Test(arguments: listItems)
    func listItemsParsedApartReadAsTheWholeList(_ item: String) throws {
        let body = Array("{\"kind\": \"List\",\n \"items\": [\n  {\"first\": 1},\n  \(item),\n  {\"last\": [2]}\n ],\n \"metadata\": {}}".utf8)
        let whole = Result { () throws(JSONSyntaxError) in try JSONReader.parse(body) }
        let apart = Result { () throws(JSONSyntaxError) -> [YAMLNode] in
            let (_, spans) = try JSONReader.parse(body, deferringArrayAt: "items")
            return try (spans ?? []).map { (span) throws(JSONSyntaxError) in try JSONReader.parse(body, span: span) }
        }
        switch (whole, apart) {
        case (.success(let root), .success(let items)):
            #expect(items.map(\.shape) == root["items"]?.sequenceItems?.map(\.shape))
        case (.failure(let error), _):
            let expected = ManifestError.malformed(file: "list", format: .json, line: error.line, column: error.column, problem: error.problem)
            let thrown = #expect(throws: ManifestErrors.self) { _ = try APIList.decode(body, kind: "Service", source: "list") }
            #expect(thrown?.errors.map(\.description) == [expected.description])
            #expect(throws: JSONSyntaxError.self) { try apart.get() }
        case (.success, .failure(let error)):
            Issue.record("the whole list parses, its items apart do not: \(error)")
        }
    }

    @Test func aLongListDecodesInOrderOnEveryCore() throws {
        let count = 2_000
        let items = (0..<count).map { index in
            let port = index == 1_234 ? 70_000 : 80
            return #"{"metadata":{"name":"svc\#(index)","namespace":"ns"},"spec":{"clusterIP":"10.96.\#(index / 256).\#(index % 256)","ports":[{"port":\#(port)}]}}"#
        }
        let body = Array(#"{"kind":"ServiceList","metadata":{"resourceVersion":"7"},"items":[\#(items.joined(separator: ","))]}"#.utf8)
        let list = try APIList.decode(body, kind: "Service", source: "list")
        let names = list.objects.compactMap { object -> String? in
            if case .service(let service) = object { return service.metadata.name }
            return nil
        }
        #expect(names == (0..<count).filter { $0 != 1_234 }.map { "svc\($0)" })
        #expect(list.rejected.map(\.description) == [
            "list: Service ns/svc1234: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ])
    }

    /// A manifest file that opens an object is JSON, read as strictly as the API's JSON.
    @Test func aJSONManifestIsReadAsJSON() throws {
        let json = #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 80}]}}"#
        let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n"
        let fromJSON = try ManifestLoader.load(bytes: Array(json.utf8), file: "web.json")
        #expect(fromJSON.services == (try ManifestLoader.load(bytes: Array(yaml.utf8), file: "web.yaml")).services)
        #expect(fromJSON.services.count == 1)
        let trailingComma = json.replacingOccurrences(of: "80}]", with: "80},]")
        let thrown = #expect(throws: ManifestErrors.self) {
            _ = try ManifestLoader.load(bytes: Array(trailingComma.utf8), file: "web.json")
        }
        #expect(thrown?.errors.map(\.description) == ["web.json:1:153: invalid JSON: trailing comma before ']'"])
    }

    @Test func valuesBecomeScalarsOfTheirType() throws {
        let root = try JSONReader.parse(Array(#"{"s": "80", "n": 80, "f": 1.5e2, "t": true, "z": null, "e": "\u00e9\ud83d\ude00\n\/"}"#.utf8))
        #expect(root["s"]?.scalar?.resolved == .string("80"))
        #expect(root["n"]?.scalar?.resolved == .int(80))
        #expect(root["f"]?.scalar?.resolved == .float(150))
        #expect(root["t"]?.scalar?.resolved == .bool(true))
        #expect(root["z"]?.isNull == true)
        #expect(root["e"]?.scalar?.text == "é😀\n/")
    }

    @Test func anAPIObjectDecodesAsItsYAMLDoes() throws {
        let list = try APIList.decode(Array(try fixtureBytes("Fixtures/api/services.list.json")), kind: "Service",
                                      source: "/api/v1/services")
        let yaml = try ManifestLoader.load(paths: [packagePath("Fixtures/api/api.service.yaml")])
        #expect(list.objects == yaml.services.map(KubernetesObject.service))
        #expect(list.resourceVersion == "48213")
        #expect(list.continueToken?.hasPrefix("eyJ2Ij") == true)
    }

    @Test func anInvalidListItemIsLeftOutAndNamed() throws {
        let list = try APIList.decode(Array(try fixtureBytes("Fixtures/api/services.list.json")), kind: "Service",
                                      source: "/api/v1/services")
        #expect(list.objects.count == 1)
        #expect(list.rejected.map(\.description) == [
            "/api/v1/services: Service prod/broken: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ])
    }

    @Test func aStatusIsNotAList() {
        let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"services is forbidden","reason":"Forbidden","code":403}"#
        #expect(throws: ManifestErrors.self) {
            _ = try APIList.decode(Array(body.utf8), kind: "Service", source: "/api/v1/services")
        }
        #expect(APIStatus.decode(body: Array(body.utf8)) == APIStatus(code: 403, reason: "Forbidden", message: "services is forbidden"))
    }

    @Test func watchLinesDecodeToChanges() throws {
        let lines = try String(decoding: fixtureBytes("Fixtures/api/endpointslices.watch.jsonl"), as: UTF8.self)
            .split(separator: "\n").map { Array($0.utf8) }
        let events = try lines.map { try WatchEvent.decode(line: $0, kind: "EndpointSlice", source: "watch") }
        #expect(events.map(\.type) == [.added, .modified, .modified, .bookmark, .deleted, .error])
        #expect(events.map(\.resourceVersion) == ["48230", "48231", "48232", "48240", "48241", nil])
        guard case .set(.endpointSlice(let added)) = events[0].change else { Issue.record("ADDED gave no slice"); return }
        #expect(added.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"] == "2026-11-30T09:20:01Z")
        #expect(added.endpoints.map(\.nodeName) == ["worker-1"])
        guard case .set(.endpointSlice(let modified)) = events[1].change else { Issue.record("MODIFIED gave no slice"); return }
        #expect(modified.endpoints.map(\.conditions.isTerminating) == [true, false])
        // A modification validation rejects takes the object out, and says why.
        guard case .removed(_, let name) = events[2].change else { Issue.record("a rejected object was kept"); return }
        #expect(name == NamespacedName(namespace: "prod", name: "api-7xk2p"))
        #expect(events[2].rejected.map(\.description) == [
            "watch: EndpointSlice prod/api-7xk2p: endpoints[0].addresses[0]: Invalid value: \"10.244.3.999\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ])
        #expect(events[3].change == nil)
        guard case .removed = events[4].change else { Issue.record("DELETED gave no removal"); return }
        #expect(events[5].status == APIStatus(code: 410, reason: "Expired", message: "too old resource version: 48100 (48213)"))
        #expect(events[5].status?.isExpired == true)
    }

    @Test(arguments: [#"{"type":"ADDED"}"#, #"{"type":"CHANGED","object":{}}"#, #"["ADDED"]"#, "not json"])
    func aLineThatIsNoEventThrows(_ line: String) {
        #expect(throws: ManifestErrors.self) {
            _ = try WatchEvent.decode(line: Array(line.utf8), kind: "Service", source: "watch")
        }
    }
}

extension YAMLNode {
    /// The node's content and position as text, to compare two trees.
    var shape: String {
        switch content {
        case .scalar(let scalar): return "\(line):\(column) \(scalar.text)"
        case .sequence(let items): return "\(line):\(column) [\(items.map(\.shape).joined(separator: ", "))]"
        case .mapping(let entries):
            return "\(line):\(column) {\(entries.map { "\($0.key)@\($0.keyLine): \($0.value.shape)" }.joined(separator: ", "))}"
        }
    }
}

/// The bytes of a file under the package root.
func fixtureBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: packagePath(path))))
}
