import Crypto
@testable import IptablesBackend
import ProxyCore
import ServiceModel
import Testing

/// Chain names must be kube-proxy's, byte for byte: the same service gets the same chains.
@Suite struct ChainNameTests {
    static func portName(_ text: String, _ proto: L4Protocol) -> ServicePortName {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let ids = parts[0].split(separator: "/").map(String.init)
        return ServicePortName(service: NamespacedName(namespace: ids[0], name: ids[1]),
                               port: parts.count > 1 ? parts[1] : "", protocol: proto)
    }

    /// (service port, protocol, endpoint or "", expected chain) from kube-proxy's tests and real nodes.
    static let vectors: [(String, L4Protocol, String, String)] = [
        ("ns1/svc1:p80", .tcp, "", "KUBE-SVC-XPGD46QRK7WJZT7O"),
        ("ns1/svc1:p80", .tcp, "10.180.0.1:80", "KUBE-SEP-SXIVWICOYRO3J4NJ"),
        ("ns2/svc2:p80", .tcp, "", "KUBE-SVC-GNZBNJ2PO5MGZ6GT"),
        ("ns2/svc2:p80", .tcp, "10.180.0.2:80", "KUBE-SEP-RS4RBKLTHTF2IUXJ"),
        ("ns3/svc3:p80", .tcp, "", "KUBE-SVC-X27LE4BHSL4DOUIK"),
        ("ns3/svc3:p80", .tcp, "10.180.0.3:80", "KUBE-SEP-OYPFS5VJICHGATKP"),
        ("ns4/svc4:p80", .tcp, "", "KUBE-SVC-4SW47YFZTEDKD3PK"),
        ("ns4/svc4:p80", .tcp, "10.180.0.4:80", "KUBE-SEP-UKSFD7AGPMPPLUHC"),
        ("ns4/svc4:p80", .tcp, "10.180.0.5:80", "KUBE-SEP-C6EBXVWJJZMIWKLZ"),
        ("ns5/svc5:p80", .tcp, "", "KUBE-SVC-NUKIZ6OKUXPJNT4C"),
        ("ns5/svc5:p80", .tcp, "10.180.0.3:80", "KUBE-SEP-I77PXRDZVX7PMWMN"),
        ("ns2/svc2:p8080", .tcp, "", "KUBE-SVC-2VJB64SDSIJUP5T6"),
        ("ns2/svc2:p8080", .tcp, "10.0.2.1:8080", "KUBE-SEP-UHEGFW77JX3KXTOV"),
        ("ns1/svc1:p80", .tcp, "10.0.1.1:80", "KUBE-SEP-SNQ3ZNILQDEJNDQO"),
        ("ns1/svc1:p80", .tcp, "10.0.0.0:80", "KUBE-SEP-DKGQUZGBKLTPAR56"),
        ("ns3/svc3:p80", .tcp, "10.0.3.1:80", "KUBE-SEP-BSWRHOQ77KEXZLNL"),
        ("ns3/svc3:p80", .tcp, "10.0.3.2:80", "KUBE-SEP-DKCFIS26GWF2WLWC"),
        ("ns3/svc3:p80", .tcp, "10.0.3.3:80", "KUBE-SEP-JVVZVJ7BSEPPRNBS"),
        ("ns4/svc4:p80", .tcp, "10.0.4.1:80", "KUBE-SEP-AYCN5HPXMIRJNJXU"),
        ("ns3/svc3:p8081", .tcp, "203.0.113.4:8081", "KUBE-SEP-RUVVH7YV3PHQBDOS"),
        ("ns4/svc4:p8082", .tcp, "", "KUBE-SVC-EBDQOQU5SJFXRIL3"),
        ("ns4/svc4:p8082", .tcp, "10.4.0.1:8082", "KUBE-SEP-SU5STNODRYEWJAUF"),
        ("ns1/svc1", .tcp, "", "KUBE-SVC-AQI2S6QIMU7PVVRP"),
        ("ns1/svc1", .tcp, "10.0.1.1:80", "KUBE-SEP-3JOIVZTXZZRGORX4"),
        ("ns1/svc1", .tcp, "10.0.1.2:80", "KUBE-SEP-IO5XOSKPAXIFQXAJ"),
        ("ns1/svc1", .tcp, "10.0.1.3:80", "KUBE-SEP-XGJFVO3L2O5SRFNT"),
        ("default/kubernetes:https", .tcp, "", "KUBE-SVC-NPX46M4PTMTKRN6Y"),
        ("kube-system/kube-dns:dns", .udp, "", "KUBE-SVC-TCOU7JCQXEZGVUNU"),
        ("kube-system/kube-dns:dns-tcp", .tcp, "", "KUBE-SVC-ERIFXISQEP7F7OF4"),
        ("kube-system/kube-dns:metrics", .tcp, "", "KUBE-SVC-JD5MR3NA4I4DYORP"),
    ]

    @Test(arguments: 0..<vectors.count)
    func matchesKubeProxy(_ index: Int) {
        let (name, proto, endpoint, expected) = Self.vectors[index]
        let portName = Self.portName(name, proto)
        let chain = endpoint.isEmpty ? ChainName.service(portName) : ChainName.endpoint(portName, endpoint)
        #expect(chain.description == expected)
    }

    @Test func servicePortChainsShareOneHash() {
        let name = Self.portName("ns2/svc2:p80", .tcp)
        #expect(ChainName.external(name).description == "KUBE-EXT-GNZBNJ2PO5MGZ6GT")
        #expect(ChainName.serviceLocal(name).description == "KUBE-SVL-GNZBNJ2PO5MGZ6GT")
        #expect(ChainName.firewall(Self.portName("ns5/svc5:p80", .tcp)).description == "KUBE-FW-NUKIZ6OKUXPJNT4C")
    }

    @Test func namesFitIptables() {
        #expect(ChainName("KUBE-SERVICES") != nil)
        #expect(ChainName(String(repeating: "A", count: 29)) == nil)
        #expect(ChainName("BAD NAME") == nil)
        #expect(ChainName("") == nil)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    static func nameDigest(_ input: [UInt8], portable: Bool = false) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        input.withUnsafeBytes { input in
            digest.withUnsafeMutableBytes { NameDigest.sha256(input, into: $0, portable: portable) }
        }
        return digest
    }

    /// FIPS 180-4 examples: the digest the names are made from.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256Vectors(_ input: String, _ expected: String) {
        #expect(Self.hex(Self.nameDigest(Array(input.utf8))) == expected)
    }

    @Test func sha256OfAMillionAs() {
        let digest = Self.nameDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(Self.hex(digest) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every length up to three blocks, padding boundaries (55, 56, 63, 64 bytes) included,
    /// gives swift-crypto's digest, through the portable code and through the CPU's SHA
    /// instructions (where this machine has them).
    @Test(arguments: [true, false])
    func sha256AgreesWithSwiftCrypto(portable: Bool) {
        var generator = SystemRandomNumberGenerator()
        for length in 0...200 {
            let input = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Self.nameDigest(input, portable: portable) == Array(SHA256.hash(data: input)),
                    "length \(length), accelerated: \(NameDigest.accelerated && !portable)")
        }
    }

    /// RFC 4648 base32 of any length, written the plain way, bit by bit: what the chain-name
    /// encoder is checked against.
    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int(buffer >> UInt32(bits) & 0x1F)])
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 {
            output.append(alphabet[Int(buffer << UInt32(5 - bits) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The chain-name encoder writes the first 16 characters of the plain one.
    @Test func sixteenCharactersAreTheEncodingsPrefix() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let digest = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var output = [UInt8](repeating: 0, count: 16)
            digest.withUnsafeBytes { bytes in
                output.withUnsafeMutableBytes { Base32.encodeSixteen(bytes, into: $0.baseAddress!) }
            }
            #expect(String(decoding: output, as: UTF8.self) == String(Self.base32(digest).prefix(16)))
        }
    }

    /// RFC 4648 section 10, without padding.
    @Test(arguments: [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"),
                      ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")])
    func base32Vectors(_ input: String, _ expected: String) {
        #expect(Self.base32(Array(input.utf8)) == expected)
    }
}
