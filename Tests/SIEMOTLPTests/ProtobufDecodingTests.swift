import Foundation
import SIEMCore
import SwiftProtobuf
import Testing

@testable import SIEMOTLP

@Suite struct ProtobufDecodingTests {
    func decode(_ request: Proto.ExportRequest, maxEvents: Int = 100) throws -> [Event] {
        try OTLPLogs.decode(protobuf: try request.serializedData(), receivedAt: receivedAt, maxEvents: maxEvents)
    }

    func refusal(_ body: Data, maxEvents: Int = 100) -> OTLPDecodeError? {
        do {
            _ = try OTLPLogs.decode(protobuf: body, receivedAt: receivedAt, maxEvents: maxEvents)
            return nil
        } catch {
            return error
        }
    }

    @Test func roundTripMapsEveryPart() throws {
        let record = Proto.LogRecord.with {
            $0.timeUnixNano = exampleNanoseconds
            $0.observedTimeUnixNano = exampleNanoseconds + 5_000_000_000
            $0.severityNumber = .warn
            $0.severityText = "WARNING"
            $0.body = .string("disk almost full")
            $0.attributes = [.init("http.method", .string("GET")), .init("retries", .int(3))]
            $0.traceID = Data([
                0x5B, 0x8E, 0xFF, 0xF7, 0x98, 0x03, 0x81, 0x03, 0xD2, 0x69, 0xB6, 0x33, 0x81, 0x3F, 0xC6, 0x0C,
            ])
            $0.spanID = Data([0xEE, 0xE1, 0x9B, 0x7E, 0xC3, 0xC1, 0xB1, 0x74])
            $0.eventName = "disk.warning"
        }
        let request = Proto.ExportRequest.one(
            resource: [.init("service.name", .string("billing")), .init("host.name", .string("web-7"))],
            scope: ("app.logger", "2.1"), records: [record])
        let events = try decode(request)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.message == "disk almost full")
        #expect(event.source == "billing")
        #expect(event.host == "web-7")
        #expect(abs(event.ts.timeIntervalSince(exampleDate)) < 1e-6)
        #expect(event.receivedAt == receivedAt)
        #expect(event.logType == nil)
        #expect(
            event.fields == [
                "service.name": .string("billing"),
                "host.name": .string("web-7"),
                "otel.scope.name": .string("app.logger"),
                "otel.scope.version": .string("2.1"),
                "http.method": .string("GET"),
                "retries": .int(3),
                "severity_text": .string("WARNING"),
                "severity_number": .int(13),
                "trace_id": .string("5b8efff798038103d269b633813fc60c"),
                "span_id": .string("eee19b7ec3c1b174"),
                "event_name": .string("disk.warning"),
            ])
    }

    @Test func manyResourcesScopesAndRecordsKeepTheirOrderAndResource() throws {
        var request = Proto.ExportRequest()
        for service in ["a", "b"] {
            request.resourceLogs.append(
                .with { resourceLogs in
                    resourceLogs.resource.attributes = [.init("service.name", .string(service))]
                    resourceLogs.scopeLogs = (1...2).map { scope in
                        .with {
                            $0.logRecords = (1...3).map { n in .with { $0.body = .string("\(service)\(scope)\(n)") } }
                        }
                    }
                })
        }
        let events = try decode(request)
        #expect(
            events.map(\.message) == [
                "a11", "a12", "a13", "a21", "a22", "a23", "b11", "b12", "b13", "b21", "b22", "b23",
            ])
        #expect(events.map(\.source) == Array(repeating: "a", count: 6) + Array(repeating: "b", count: 6))
    }

    @Test func recordAttributesWinOverResourceAttributes() throws {
        let request = Proto.ExportRequest.one(
            resource: [
                .init("service.name", .string("svc")), .init("deployment.environment", .string("prod")),
                .init("log_type", .string("syslog")),
            ],
            records: [
                .with {
                    $0.attributes = [
                        .init("deployment.environment", .string("canary")), .init("log_type", .string("web")),
                    ]
                },
                .with { $0.attributes = [.init("log_type", .int(3))] },
            ])
        let events = try decode(request)
        #expect(events[0].fields["deployment.environment"] == .string("canary"))
        #expect(events[0].fields["service.name"] == .string("svc"))
        #expect(events[0].logType == "web")
        // A record's non-string `log_type` hides the resource's: no log type at all.
        #expect(events[1].fields["deployment.environment"] == .string("prod"))
        #expect(events[1].logType == nil)
    }

    @Test func resourceLogTypeIsUsedWhenTheRecordHasNone() throws {
        let request = Proto.ExportRequest.one(resource: [.init("log_type", .string("sudo"))], records: [.init()])
        #expect(try decode(request).first?.logType == "sudo")
    }

    @Test func nonStringBodiesBecomeJSONTextAndAField() throws {
        let kvlist = Proto.AnyValue.kvlist([
            .init("user", .string("alice")), .init("ok", .bool(false)),
            .init("tags", .array([.string("x"), .int(2), .double(0.5)])),
        ])
        let bodies: [Proto.AnyValue] = [
            kvlist, .array([.string("a"), .bool(true)]), .int(42), .double(2.5), .bool(true),
            .bytes(Data("hi".utf8)),
        ]
        let request = Proto.ExportRequest.one(resource: [], records: bodies.map { body in .with { $0.body = body } })
        let events = try decode(request)
        #expect(
            events.map(\.message) == [
                #"{"ok":false,"tags":["x",2,0.5],"user":"alice"}"#, #"["a",true]"#, "42", "2.5", "true", #""aGk=""#,
            ])
        #expect(
            events[0].fields["body"]
                == .object([
                    "user": .string("alice"), "ok": .bool(false),
                    "tags": .array([.string("x"), .int(2), .double(0.5)]),
                ]))
        #expect(events[2].fields["body"] == .int(42))
        #expect(events[5].fields["body"] == .string("aGk="))
    }

    @Test func absentOrEmptyBodyIsAnEmptyMessageWithoutABodyField() throws {
        let request = Proto.ExportRequest.one(
            resource: [], records: [.init(), .with { $0.body = Proto.AnyValue() }, .with { $0.body = .string("") }])
        let events = try decode(request)
        #expect(events.map(\.message) == ["", "", ""])
        #expect(events.allSatisfy { $0.fields["body"] == nil })
    }

    @Test func attributeValuesMapToJSON() throws {
        let request = Proto.ExportRequest.one(
            resource: [],
            records: [
                .with {
                    $0.attributes = [
                        .init("s", .string("x")), .init("b", .bool(true)), .init("i", .int(-7)),
                        .init("d", .double(1.25)), .init("nan", .double(.nan)), .init("inf", .double(-.infinity)),
                        .init("raw", .bytes(Data([0, 255]))), .init("empty", Proto.AnyValue()),
                        .init("nested", .kvlist([.init("a", .kvlist([.init("b", .int(1))]))])),
                    ]
                }
            ])
        let fields = try #require(try decode(request).first).fields
        #expect(fields["s"] == .string("x"))
        #expect(fields["b"] == .bool(true))
        #expect(fields["i"] == .int(-7))
        #expect(fields["d"] == .double(1.25))
        #expect(fields["nan"] == .string("NaN"))
        #expect(fields["inf"] == .string("-Infinity"))
        #expect(fields["raw"] == .string("AP8="))
        #expect(fields["empty"] == .null)
        #expect(fields["nested"] == .object(["a": .object(["b": .int(1)])]))
    }

    @Test func timeFallsBackToObservedTimeThenToTheReceiveTime() throws {
        let request = Proto.ExportRequest.one(
            resource: [],
            records: [
                .with {
                    $0.timeUnixNano = exampleNanoseconds
                    $0.observedTimeUnixNano = 1
                },
                .with { $0.observedTimeUnixNano = exampleNanoseconds },
                .init(),
            ])
        let events = try decode(request)
        #expect(abs(events[0].ts.timeIntervalSince(exampleDate)) < 1e-6)
        #expect(abs(events[1].ts.timeIntervalSince(exampleDate)) < 1e-6)
        #expect(events[2].ts == receivedAt)
        // Microseconds survive the conversion from nanoseconds.
        let precise = try decode(.one(resource: [], records: [.with { $0.timeUnixNano = 1_700_000_000_123_456_789 }]))
        #expect(abs(precise[0].ts.timeIntervalSince1970 - 1_700_000_000.123_456) < 2e-6)
    }

    @Test func defaultsWithoutResourceAttributes() throws {
        let request = Proto.ExportRequest.one(
            resource: [.init("host.name", .string("")), .init("service.name", .int(1))], records: [.init()])
        let event = try #require(try decode(request).first)
        #expect(event.host == "unknown")
        #expect(event.source == "otlp")
        #expect(event.fields["severity_number"] == nil)
        #expect(event.fields["trace_id"] == nil)
        #expect(event.fields["otel.scope.name"] == nil)
    }

    @Test func emptyBodyIsARequestWithoutRecords() throws {
        #expect(try OTLPLogs.decode(protobuf: Data(), receivedAt: receivedAt, maxEvents: 1).isEmpty)
    }

    @Test func truncatedProtobufIsRefused() throws {
        let request = Proto.ExportRequest.one(
            resource: [.init("service.name", .string("svc"))], records: [.with { $0.body = .string("hello world") }])
        let bytes = try request.serializedData()
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            let error = refusal(bytes.prefix(cut))
            #expect(error == .malformed("the protobuf body is truncated"), "cut at \(cut)")
        }
    }

    @Test func garbageIsRefused() throws {
        // Field number 0, and wire type 7 inside resource_logs, do not exist.
        let malformed = OTLPDecodeError.malformed("the body is not a valid protobuf ExportLogsServiceRequest")
        #expect(refusal(Data([0x00, 0x01])) == malformed)
        #expect(refusal(Data([0x0A, 0x02, 0x0F, 0x00])) == malformed)
        // Bytes that parse as unknown fields only (field 2, a varint; field 3, one byte): some other message.
        #expect(
            refusal(Data([0x10, 0x05, 0x1A, 0x01, 0x41]))?.detail.contains("not an OTLP ExportLogsServiceRequest")
                == true)
        #expect(refusal(Data("hello, world".utf8)) != nil)
        #expect(refusal(Data((0..<64).map { UInt8(($0 * 37 + 11) % 256) })) != nil)
        // JSON sent as protobuf is refused with a hint.
        let json = refusal(Data(#"{"resourceLogs": []}"#.utf8))
        #expect(json?.detail.contains("content-type: application/json") == true, "\(String(describing: json))")
        // A string that is not UTF-8.
        var bad = try Proto.ExportRequest.one(resource: [], records: [.with { $0.severityText = "ab" }])
            .serializedData()
        let index = try #require(bad.lastIndex(of: UInt8(ascii: "b")))
        bad[index] = 0xFF
        #expect(refusal(bad) == .malformed("the protobuf body has a string that is not valid UTF-8"))
    }

    @Test func moreRecordsThanAllowedIsRefused() throws {
        let request = Proto.ExportRequest.one(resource: [], records: Array(repeating: .init(), count: 4))
        #expect(refusal(try request.serializedData(), maxEvents: 3) == .tooManyRecords(limit: 3))
        #expect(try decode(request, maxEvents: 4).count == 4)
    }

    @Test func successResponseIsAnEmptyExportLogsServiceResponse() throws {
        let bytes = OTLPLogs.successResponse(.protobuf)
        #expect(bytes.isEmpty)
        let response = try Proto.ExportResponse(serializedBytes: bytes)
        #expect(!response.hasPartialSuccess)
        #expect(OTLPLogs.successResponse(.json) == Data("{}".utf8))
    }

    @Test func contentTypesNameTheirEncoding() {
        #expect(OTLPEncoding(contentType: "application/x-protobuf") == .protobuf)
        #expect(OTLPEncoding(contentType: "Application/Protobuf") == .protobuf)
        #expect(OTLPEncoding(contentType: "application/json; charset=utf-8") == .json)
        #expect(OTLPEncoding(contentType: "text/plain") == nil)
        #expect(OTLPEncoding(contentType: "application/jsonl") == nil)
        #expect(OTLPEncoding(contentType: "") == nil)
    }
}
