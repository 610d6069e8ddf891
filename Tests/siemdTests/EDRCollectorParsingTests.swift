import Foundation
import SIEMCore
import Testing

@testable import SIEMAgent

/// The agent's parsers of kernel formats, on fixed input (the live collectors are covered by
/// `EDRAgentTests`; these cover what a test host may not have, such as IPv6 sockets and logins).
@Suite struct EDRCollectorParsingTests {
    @Test func procNetAddressesDecodeFromHostByteOrder() {
        #expect(SocketCollector.decodeAddress("0100007F") == "127.0.0.1")
        #expect(SocketCollector.decodeAddress("00000000") == "0.0.0.0")
        #expect(SocketCollector.decodeAddress("00000000000000000000000001000000") == "::1")
        #expect(SocketCollector.decodeAddress("B80D0120000000000000000005000000") == "2001:db8::5")
        #expect(SocketCollector.decodeAddress("XYZ") == nil)
    }

    @Test func onlyListeningTCPAndUnconnectedUDPSocketsAreReported() {
        let tcp6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
               1: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:D431 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0000000000000000 20 4 30 10 -1
            """
        let sockets = SocketCollector.parse(proto: "tcp6", tcp6)
        #expect(sockets == [SocketCollector.Socket(proto: "tcp6", address: "::1", port: 8080, inode: 4242)])

        let udp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
              1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5150 2 0000000000000000 0
              2: 0100007F:A1B2 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 5151 2 0000000000000000 0
            """
        #expect(SocketCollector.parse(proto: "udp", udp).map(\.port) == [68])
    }

    @Test func telemetryBatchesStayUnderTheBodyLimit() {
        let big = JSONValue.object(["message": .string(String(repeating: "x", count: 4000))])
        let outbox = Array(repeating: big, count: 1000)
        let batch = EDRAgent.nextBatch(outbox)
        #expect(!batch.isEmpty && batch.count < EDRAgent.batchSize)
        #expect(JSONValue.array(batch).jsonText.utf8.count <= EDRAgent.maxBatchBytes)
        #expect(EDRAgent.nextBatch(Array(repeating: .object([:]), count: 1000)).count == EDRAgent.batchSize)
        let huge = JSONValue.object(["message": .string(String(repeating: "y", count: 300_000))])
        #expect(EDRAgent.nextBatch([huge, big]).count == 1)
    }

    @Test func utmpUserProcessRecordsBecomeLogins() {
        func record(type: Int16, pid: Int32, line: String, user: String, host: String, seconds: Int32) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 384)
            func put(_ value: Int32, at offset: Int) {
                for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
            }
            func put(_ text: String, at offset: Int) {
                for (index, byte) in text.utf8.enumerated() { bytes[offset + index] = byte }
            }
            bytes[0] = UInt8(truncatingIfNeeded: type)
            put(pid, at: 4)
            put(line, at: 8)
            put(user, at: 44)
            put(host, at: 76)
            put(seconds, at: 340)
            return bytes
        }
        let data = Data(
            record(type: 7, pid: 4321, line: "pts/0", user: "alice", host: "203.0.113.9", seconds: 1_800_000_000)
                + record(type: 8, pid: 99, line: "pts/1", user: "gone", host: "", seconds: 1)
                + record(type: 2, pid: 0, line: "~", user: "reboot", host: "6.1.0", seconds: 2) + [1, 2, 3])
        #expect(
            LoginCollector.parse(data) == [
                LoginCollector.Login(
                    user: "alice", line: "pts/0", host: "203.0.113.9", pid: 4321, loginTime: 1_800_000_000)
            ])
    }
}
