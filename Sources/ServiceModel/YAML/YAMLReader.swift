internal import CYaml

/// A syntax error in a YAML or JSON stream, with the 1-based position libyaml reported.
struct YAMLSyntaxError: Error, Sendable, Equatable {
    var line: Int
    var column: Int
    var problem: String
}

/// One document of a YAML stream.
struct YAMLDocument: Sendable {
    /// 1-based position of the document in its stream.
    var index: Int
    /// The document's root, `nil` for an empty document (`---` followed by nothing).
    var root: YAMLNode?
    /// 1-based line where the document starts.
    var line: Int
}

/// Reads YAML streams (and JSON, which is YAML's flow style) into ``YAMLNode`` trees.
///
/// Drives libyaml's event parser directly: building Yams' `Node` values for a 10,000-service
/// dump took several seconds, most of it in per-node tag objects and key hashing that
/// decoding Kubernetes objects does not need.
enum YAMLReader {
    /// Parses `bytes` one document at a time, handing each to `body` before reading the
    /// next, so a large stream never exists as one tree. Documents before a syntax error
    /// have been handed over when the error is thrown.
    static func forEachDocument(in bytes: [UInt8], _ body: (YAMLDocument) -> Void) throws(YAMLSyntaxError) {
        let failure: YAMLSyntaxError? = bytes.withUnsafeBufferPointer { buffer in
            var session = EventSession(buffer: buffer)
            defer { session.close() }
            do throws(YAMLSyntaxError) {
                try session.readStream(body)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }
}

/// The state of one libyaml parse: the parser, the anchors seen so far.
private struct EventSession {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private var anchors: [String: YAMLNode] = [:]

    init(buffer: UnsafeBufferPointer<UInt8>) {
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
    }

    func close() {
        yaml_parser_delete(parser)
        parser.deinitialize(count: 1)
        parser.deallocate()
    }

    mutating func readStream(_ body: (YAMLDocument) -> Void) throws(YAMLSyntaxError) {
        var index = 0
        // Every event is deleted on every path out, a thrown error included (libyaml zeroes
        // a deleted event, so deleting one again frees nothing twice).
        var event = try next()
        defer { yaml_event_delete(&event) }
        guard event.type == YAML_STREAM_START_EVENT else { throw unexpected(event) }
        while true {
            yaml_event_delete(&event)
            event = try next()
            if event.type == YAML_STREAM_END_EVENT { break }
            guard event.type == YAML_DOCUMENT_START_EVENT else { throw unexpected(event) }
            let line = Int(event.start_mark.line) + 1
            anchors.removeAll(keepingCapacity: true)
            var first = try next()
            defer { yaml_event_delete(&first) }
            var root: YAMLNode?
            if first.type != YAML_DOCUMENT_END_EVENT {
                root = try readNode(&first)
                yaml_event_delete(&first)
                first = try next()
            }
            guard first.type == YAML_DOCUMENT_END_EVENT else { throw unexpected(first) }
            index += 1
            body(YAMLDocument(index: index, root: root, line: line))
        }
    }

    private func next() throws(YAMLSyntaxError) -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw parserError() }
        return event
    }

    /// Reads the node that `event` starts; the caller deletes `event`.
    private mutating func readNode(_ event: inout yaml_event_t) throws(YAMLSyntaxError) -> YAMLNode {
        let line = Int(event.start_mark.line) + 1
        let column = Int(event.start_mark.column) + 1
        switch event.type {
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = string(data.value, count: data.length)
            let style: YAMLScalar.Style
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let tag = data.tag.map { shortTag(String(cString: $0)) }
            let node = YAMLNode(content: .scalar(YAMLScalar(text: text, style: style, tag: tag)),
                                line: line, column: column)
            if let anchor = data.anchor { anchors[String(cString: anchor)] = node }
            return node

        case YAML_SEQUENCE_START_EVENT:
            let anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
            var items: [YAMLNode] = []
            while true {
                var child = try next()
                defer { yaml_event_delete(&child) }
                if child.type == YAML_SEQUENCE_END_EVENT { break }
                items.append(try readNode(&child))
            }
            let node = YAMLNode(content: .sequence(items), line: line, column: column)
            if let anchor { anchors[anchor] = node }
            return node

        case YAML_MAPPING_START_EVENT:
            let anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
            var entries: [YAMLMappingEntry] = []
            var merged: [YAMLMappingEntry] = []
            while true {
                var keyEvent = try next()
                defer { yaml_event_delete(&keyEvent) }
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                let keyNode = try readNode(&keyEvent)
                var valueEvent = try next()
                defer { yaml_event_delete(&valueEvent) }
                let value = try readNode(&valueEvent)
                guard let keyScalar = keyNode.scalar else {
                    throw YAMLSyntaxError(line: keyNode.line, column: keyNode.column,
                                          problem: "mapping keys must be scalars")
                }
                if keyScalar.style == .plain, keyScalar.text == "<<" {
                    merged.append(contentsOf: try mergeEntries(value))
                    continue
                }
                let key = keyScalar.text
                if let earlier = entries.first(where: { $0.key == key }) {
                    throw YAMLSyntaxError(
                        line: keyNode.line, column: keyNode.column,
                        problem: "mapping key \(quoted(key)) already defined at line \(earlier.keyLine)")
                }
                entries.append(YAMLMappingEntry(key: key, keyLine: keyNode.line, value: value))
            }
            for entry in merged where !entries.contains(where: { $0.key == entry.key }) {
                entries.append(entry)
            }
            let node = YAMLNode(content: .mapping(entries), line: line, column: column)
            if let anchor { anchors[anchor] = node }
            return node

        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let node = anchors[name] else {
                throw YAMLSyntaxError(line: line, column: column, problem: "unknown anchor \(quoted(name)) referenced")
            }
            return node

        default:
            throw unexpected(event)
        }
    }

    /// The entries a `<<` merge key brings in: one mapping, or a sequence of mappings.
    private func mergeEntries(_ value: YAMLNode) throws(YAMLSyntaxError) -> [YAMLMappingEntry] {
        if let entries = value.mappingEntries { return entries }
        if let items = value.sequenceItems {
            var result: [YAMLMappingEntry] = []
            for item in items {
                guard let entries = item.mappingEntries else { break }
                result.append(contentsOf: entries.filter { entry in !result.contains { $0.key == entry.key } })
            }
            if result.count > 0 || items.isEmpty { return result }
        }
        throw YAMLSyntaxError(line: value.line, column: value.column,
                              problem: "map merge requires map or sequence of maps as the value")
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, count: Int) -> String {
        guard let pointer, count > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private func shortTag(_ tag: String) -> String {
        let prefix = "tag:yaml.org,2002:"
        return tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }

    private func parserError() -> YAMLSyntaxError {
        let state = parser.pointee
        var problem = state.problem.map { String(cString: $0) } ?? "cannot parse the input"
        if state.error == YAML_READER_ERROR {
            problem = "invalid UTF-8 or control character in the input"
            let offset = Int(state.problem_offset)
            return YAMLSyntaxError(line: 1 + lineCount(before: offset), column: 1, problem: problem)
        }
        if let context = state.context.map({ String(cString: $0) }) {
            problem = "\(problem) (\(context) at line \(state.context_mark.line + 1))"
        }
        return YAMLSyntaxError(line: Int(state.problem_mark.line) + 1,
                               column: Int(state.problem_mark.column) + 1, problem: problem)
    }

    private func lineCount(before offset: Int) -> Int {
        let state = parser.pointee
        guard let start = state.input.string.start else { return 0 }
        let limit = min(offset, Int(bitPattern: UInt(bitPattern: state.input.string.end) &- UInt(bitPattern: start)))
        var lines = 0
        for index in 0..<max(limit, 0) where start[index] == UInt8(ascii: "\n") { lines += 1 }
        return lines
    }

    private func unexpected(_ event: yaml_event_t) -> YAMLSyntaxError {
        YAMLSyntaxError(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1,
                        problem: "unexpected YAML event")
    }
}
