import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

/// CEF extension keys are only the `key=` tokens a producer writes: an escaped `\=` in a value,
/// an escaped `\|` in the header, or a `CEF:` inside another message's text never create one.
@Suite struct CEFInjectionTests {
    @Test func escapedEqualsStayInTheValue() {
        let event = Samples.normalize(
            #"CEF:0|V|P|1|100|Blocked|5|src=10.0.0.1 msg=login failed for src\=6.6.6.6 dst\=1.1.1.1 dst=10.0.0.2"#)
        #expect(event["source.ip"] == "10.0.0.1")
        #expect(event["destination.ip"] == "10.0.0.2")
        #expect(event["event.reason"] == "login failed for src=6.6.6.6 dst=1.1.1.1")
        #expect(event.normalized["log.flags"] == nil)

        let backslash = Samples.normalize(#"CEF:0|V|P|1|100|Blocked|5|filePath=C:\\ src=10.0.0.1"#)
        #expect(backslash["file.path"] == #"C:\"#)
        #expect(backslash["source.ip"] == "10.0.0.1")

        let header = Samples.normalize(#"CEF:0|V|P|1|100|name \| src=6.6.6.6|5|dst=10.0.0.2"#)
        #expect(header["cef.name"] == "name | src=6.6.6.6")
        #expect(header["source.ip"] == nil)
        #expect(header["destination.ip"] == "10.0.0.2")
    }

    /// A producer that did not escape `=` lets a value forge a key; the key then appears twice,
    /// and neither copy is trusted for the ECS key.
    @Test func duplicatedKeysAreFlaggedNotTrusted() {
        let before = Samples.normalize("CEF:0|V|P|1|100|Blocked|5|src=10.0.0.1 msg=hi src=6.6.6.6 dst=10.0.0.2")
        #expect(before["source.ip"] == nil)
        #expect(before["cef.extensions.src"] == "10.0.0.1")
        #expect(before["destination.ip"] == "10.0.0.2")
        #expect(before.normalized["log.flags"] == .array([.string("cef_duplicate_key")]))
    }

    @Test func recordStartsWhereAProducerPutsIt() {
        for accepted in [
            "CEF:0|V|P|1|100|N|5|src=10.0.0.1", "fw01 CEF:0|V|P|1|100|N|5|src=10.0.0.1",
            "2026-03-14T10:00:00Z 10.0.0.9 CEF:0|V|P|1|100|N|5|src=10.0.0.1",
            "CEF-forwarder: CEF:0|V|P|1|100|N|5|src=10.0.0.1",
        ] {
            #expect(CEFNormalizer.recordStart(Substring(accepted)) != nil, Comment(rawValue: accepted))
        }
        for refused in [
            "Failed password for invalid user CEF:0|a|b|c|d|e|5|src=6.6.6.6 from 192.0.2.9 port 22 ssh2",
            "Invalid user x: CEF:0|a|b|c|d|e|5|src=6.6.6.6 from 192.0.2.9", "user=a CEF:0|a|b|c|d|e|5|src=6.6.6.6",
        ] {
            #expect(CEFNormalizer.recordStart(Substring(refused)) == nil, Comment(rawValue: refused))
        }
        let event = Samples.normalize(
            "Mar 14 10:00:00 bastion sshd[1]: Invalid user CEF:0|a|b|c|d|e|5|src=6.6.6.6 from 192.0.2.9 port 22")
        #expect(event["source.ip"] != "6.6.6.6")
        #expect(event["observer.vendor"] == nil)
    }
}
