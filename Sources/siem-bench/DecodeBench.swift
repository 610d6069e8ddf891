import ArgumentParser
import Foundation
import SIEMCore

/// Request decoding alone: NDJSON and single-object bodies into events, one core.
struct DecodeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Ingest body decoding events/s per core.")

    @Option(help: "Events to decode.") var events: Int = 200_000

    func run() async throws {
        var lines: [String] = []
        for event in SampleEvents.make(count: 1000) {
            var body = JSONBody()
            body.append(event)
            lines.append(body.text)
        }
        let ndjson = Data(lines.joined(separator: "\n").utf8)
        let decoder = EventDecoder()
        let now = Date()
        var start = ThreadCPUClock.now
        var decoded = 0
        while decoded < events {
            decoded += try decoder.decode(ndjson, format: .ndjson, receivedAt: now).count
        }
        print("decode NDJSON: \(Int(Double(decoded) / (ThreadCPUClock.now - start))) events/s per core")
        let singles = lines.map { Data($0.utf8) }
        start = ThreadCPUClock.now
        decoded = 0
        while decoded < events / 4 {
            for single in singles { decoded += try decoder.decode(single, format: .json, receivedAt: now).count }
        }
        print("decode single objects: \(Int(Double(decoded) / (ThreadCPUClock.now - start))) events/s per core")
    }
}

/// Renders sample events in the ingest shape.
struct JSONBody {
    var text = ""

    mutating func append(_ event: Event) {
        text += "{\"source\":"
        JSONValue.writeString(event.source, to: &text)
        text += ",\"host\":"
        JSONValue.writeString(event.host, to: &text)
        text += ",\"message\":"
        JSONValue.writeString(event.message, to: &text)
        text += ",\"fields\":" + JSONValue.jsonText(event.fields) + "}"
    }
}
