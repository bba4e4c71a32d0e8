import ServiceModel
import Testing

@Suite struct NetworkingTests {
    @Test(arguments: [
        ("10.96.0.1", "10.96.0.1"), ("010.001.0.1", "10.1.0.1"), ("fd00:10:96::a", "fd00:10:96::a"),
        ("FD00:0:0:0:0:0:0:1", "fd00::1"), ("::", "::"), ("::1", "::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8::ffff:10.0.0.1", "2001:db8::ffff:a00:1"), ("::ffff:10.0.0.1", "10.0.0.1"), ("1:0:0:2::", "1:0:0:2::"),
    ])
    func parsesAndPrintsCanonically(_ text: String, _ expected: String) throws {
        #expect(try #require(IPAddress(text)).description == expected)
    }

    @Test(arguments: ["", "10.96.0", "10.96.0.256", "10.96.0.1.2", "1.2.3.4 ", "1::2::3", ":1::", "1:2:3:4:5:6:7:8:9",
                      "12345::", "fe80::1%eth0", "g::1", "1:2:3:4:5:6:7::8:9", "::1:"])
    func rejectsWhatIsNotAnAddress(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func prefixesMaskHostBitsAndContainAddresses() throws {
        let prefix = try #require(IPPrefix("10.244.1.7/16"))
        #expect(prefix.description == "10.244.0.0/16")
        #expect(prefix.contains(IPAddress("10.244.200.1")!))
        #expect(!prefix.contains(IPAddress("10.245.0.1")!))
        #expect(!prefix.contains(IPAddress("fd00::1")!))
        let v6 = try #require(IPPrefix("fd00:10:244::1/56"))
        #expect(v6.description == "fd00:10:244::/56")
        #expect(v6.contains(IPAddress("fd00:10:244:ff::1")!))
        #expect(IPPrefix("0.0.0.0/0")!.contains(IPAddress("192.0.2.1")!))
        for bad in ["10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "fd00::/129", "10.0.0.0/-1", "x/8"] {
            #expect(IPPrefix(bad) == nil, "\(bad)")
        }
    }
}
