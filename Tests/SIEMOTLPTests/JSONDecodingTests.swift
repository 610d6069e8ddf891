import Foundation
import SIEMCore
import Testing

@testable import SIEMOTLP

@Suite struct JSONDecodingTests {
    func decode(_ text: String, maxEvents: Int = 100) throws(OTLPDecodeError) -> [Event] {
        try OTLPLogs.decode(json: Data(text.utf8), receivedAt: receivedAt, maxEvents: maxEvents)
    }

    func refusal(_ text: String, maxEvents: Int = 100) -> OTLPDecodeError? {
        do {
            _ = try decode(text, maxEvents: maxEvents)
            return nil
        } catch {
            return error
        }
    }

    /// The shape of opentelemetry-proto's `examples/logs.json` (the example the OTLP spec links).
    static let example = """
        {
          "resourceLogs": [
            {
              "resource": {
                "attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]
              },
              "scopeLogs": [
                {
                  "scope": {
                    "name": "my.library",
                    "version": "1.0.0",
                    "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}]
                  },
                  "logRecords": [
                    {
                      "timeUnixNano": "1544712660300000000",
                      "observedTimeUnixNano": "1544712660300000000",
                      "severityNumber": 10,
                      "severityText": "Information",
                      "traceId": "5B8EFFF798038103D269B633813FC60C",
                      "spanId": "EEE19B7EC3C1B174",
                      "body": {"stringValue": "Example log record"},
                      "attributes": [
                        {"key": "string.attribute", "value": {"stringValue": "some string"}},
                        {"key": "boolean.attribute", "value": {"boolValue": true}},
                        {"key": "int.attribute", "value": {"intValue": "10"}},
                        {"key": "double.attribute", "value": {"doubleValue": 637.704}},
                        {"key": "array.attribute", "value": {"arrayValue": {"values": [
                          {"stringValue": "many"}, {"stringValue": "values"}]}}},
                        {"key": "map.attribute", "value": {"kvlistValue": {"values": [
                          {"key": "some.map.key", "value": {"stringValue": "some value"}}]}}}
                      ]
                    }
                  ]
                }
              ]
            }
          ]
        }
        """

    @Test func specExample() throws {
        let events = try decode(Self.example)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.message == "Example log record")
        #expect(event.source == "my.service")
        #expect(event.host == "unknown")
        #expect(abs(event.ts.timeIntervalSince(exampleDate)) < 1e-6)
        #expect(
            event.fields == [
                "service.name": .string("my.service"),
                "otel.scope.name": .string("my.library"),
                "otel.scope.version": .string("1.0.0"),
                "severity_number": .int(10),
                "severity_text": .string("Information"),
                "trace_id": .string("5b8efff798038103d269b633813fc60c"),
                "span_id": .string("eee19b7ec3c1b174"),
                "string.attribute": .string("some string"),
                "boolean.attribute": .bool(true),
                "int.attribute": .int(10),
                "double.attribute": .double(637.704),
                "array.attribute": .array([.string("many"), .string("values")]),
                "map.attribute": .object(["some.map.key": .string("some value")]),
            ])
    }

    @Test func jsonAndProtobufGiveTheSameEvents() throws {
        let fromJSON = try decode(Self.example)
        let request = Proto.ExportRequest.one(
            resource: [.init("service.name", .string("my.service"))], scope: ("my.library", "1.0.0"),
            records: [
                .with {
                    $0.timeUnixNano = exampleNanoseconds
                    $0.observedTimeUnixNano = exampleNanoseconds
                    $0.severityNumber = .info2
                    $0.severityText = "Information"
                    $0.traceID = Data([
                        0x5B, 0x8E, 0xFF, 0xF7, 0x98, 0x03, 0x81, 0x03, 0xD2, 0x69, 0xB6, 0x33, 0x81, 0x3F, 0xC6, 0x0C,
                    ])
                    $0.spanID = Data([0xEE, 0xE1, 0x9B, 0x7E, 0xC3, 0xC1, 0xB1, 0x74])
                    $0.body = .string("Example log record")
                    $0.attributes = [
                        .init("string.attribute", .string("some string")), .init("boolean.attribute", .bool(true)),
                        .init("int.attribute", .int(10)), .init("double.attribute", .double(637.704)),
                        .init("array.attribute", .array([.string("many"), .string("values")])),
                        .init("map.attribute", .kvlist([.init("some.map.key", .string("some value"))])),
                    ]
                }
            ])
        let fromProtobuf = try OTLPLogs.decode(
            protobuf: try request.serializedData(), receivedAt: receivedAt, maxEvents: 10)
        #expect(fromJSON == fromProtobuf)
    }

    @Test func snakeCaseNamesNumbersAndEnumNamesAreAccepted() throws {
        let events = try decode(
            """
            {"resource_logs": [{
              "resource": {"attributes": [
                {"key": "host.name", "value": {"string_value": "db-1"}},
                {"key": "service.name", "value": {"string_value": "postgres"}}]},
              "scope_logs": [{"log_records": [{
                "time_unix_nano": 1544712660300000000,
                "severity_number": "SEVERITY_NUMBER_ERROR",
                "severity_text": "ERROR",
                "trace_id": "5b8efff798038103d269b633813fc60c",
                "span_id": "",
                "event_name": "db.error",
                "body": {"kvlist_value": {"values": [{"key": "code", "value": {"int_value": 57014}}]}},
                "attributes": [
                  {"key": "n", "value": {"int_value": "-12"}},
                  {"key": "d", "value": {"double_value": "NaN"}},
                  {"key": "raw", "value": {"bytes_value": "AP8"}},
                  {"key": "list", "value": {"array_value": {}}}]
              }]}]
            }]}
            """)
        let event = try #require(events.first)
        #expect(event.host == "db-1")
        #expect(event.source == "postgres")
        #expect(abs(event.ts.timeIntervalSince(exampleDate)) < 1e-6)
        #expect(event.fields["severity_number"] == .int(17))
        #expect(event.fields["severity_text"] == .string("ERROR"))
        #expect(event.fields["trace_id"] == .string("5b8efff798038103d269b633813fc60c"))
        #expect(event.fields["span_id"] == nil)
        #expect(event.fields["event_name"] == .string("db.error"))
        #expect(event.message == #"{"code":57014}"#)
        #expect(event.fields["body"] == .object(["code": .int(57014)]))
        #expect(event.fields["n"] == .int(-12))
        #expect(event.fields["d"] == .string("NaN"))
        #expect(event.fields["raw"] == .string("AP8="))
        #expect(event.fields["list"] == .array([]))
    }

    @Test func unknownKeysAndNullsAreIgnored() throws {
        let events = try decode(
            """
            {"resourceLogs": [{"resource": null, "schemaUrl": "https://x", "future": [1, 2],
              "scopeLogs": [{"scope": null, "logRecords": [{"body": null, "flags": 1, "droppedAttributesCount": 0,
                "severityNumber": null, "timeUnixNano": null, "attributes": null, "somethingNew": {"a": 1}}]}]}],
             "partialSuccess": {}}
            """)
        #expect(events.count == 1)
        #expect(events[0].message == "")
        #expect(events[0].ts == receivedAt)
        #expect(events[0].fields.isEmpty)
    }

    @Test func emptyRequestsHaveNoRecords() throws {
        #expect(try decode("{}").isEmpty)
        #expect(try decode(#"{"resourceLogs": []}"#).isEmpty)
        #expect(try decode(#"{"resourceLogs": [{"scopeLogs": [{}]}]}"#).isEmpty)
    }

    @Test func base64IdsFromGenericProtobufJSONEncodersAreAccepted() throws {
        // 16 bytes in base64 is 24 characters, never valid 32-digit hex.
        let events = try decode(
            #"{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"traceId": "W47/95gDgQPSabYzgT/GDA==", "spanId": "7uGbfsPBsXQ="}]}]}]}"#
        )
        #expect(events[0].fields["trace_id"] == .string("5b8efff798038103d269b633813fc60c"))
        #expect(events[0].fields["span_id"] == .string("eee19b7ec3c1b174"))
    }

    @Test func badBodiesAreRefusedWithTheirPath() {
        #expect(refusal("")?.detail.contains("empty") == true)
        #expect(refusal("{not json")?.detail.hasPrefix("the body is not valid JSON") == true)
        #expect(refusal("[]") == .invalid("the body must be a JSON object (an OTLP ExportLogsServiceRequest)"))
        #expect(refusal(#"{"resourceLogs": {}}"#) == .invalid("`resourceLogs` must be an array"))
        #expect(refusal(#"{"resourceLogs": [1]}"#) == .invalid("`resourceLogs[0]` must be an object"))
        #expect(
            refusal(#"{"resourceLogs": [{"scopeLogs": "x"}]}"#)
                == .invalid("`resourceLogs[0].scopeLogs` must be an array"))
        let records = #"{"resourceLogs": [{"scopeLogs": [{"logRecords": [{}, RECORD]}]}]}"#
        func record(_ json: String) -> OTLPDecodeError? {
            refusal(records.replacingOccurrences(of: "RECORD", with: json))
        }
        let path = "resourceLogs[0].scopeLogs[0].logRecords[1]"
        #expect(
            record(#"{"timeUnixNano": "soon"}"#)?.detail.hasPrefix("`\(path).timeUnixNano` must be an unsigned integer")
                == true)
        #expect(record(#"{"timeUnixNano": -1}"#)?.detail.hasPrefix("`\(path).timeUnixNano`") == true)
        #expect(record(#"{"timeUnixNano": 1.5}"#)?.detail.hasPrefix("`\(path).timeUnixNano`") == true)
        #expect(record(#"{"observedTimeUnixNano": true}"#)?.detail.hasPrefix("`\(path).observedTimeUnixNano`") == true)
        #expect(record(#"{"traceId": "xyz"}"#)?.detail.hasPrefix("`\(path).traceId` must be a hex string") == true)
        #expect(record(#"{"spanId": 7}"#) == .invalid("`\(path).spanId` must be a hex string"))
        #expect(record(#"{"severityNumber": "LOUD"}"#)?.detail.hasPrefix("`\(path).severityNumber`") == true)
        #expect(record(#"{"severityText": 3}"#) == .invalid("`\(path).severityText` must be a string"))
        #expect(record(#"{"body": "text"}"#) == .invalid("`\(path).body` must be an object"))
        #expect(record(#"{"body": {"intValue": "12x"}}"#)?.detail.hasPrefix("`\(path).body.intValue`") == true)
        #expect(record(#"{"body": {"stringValue": 1}}"#) == .invalid("`\(path).body.stringValue` must be a string"))
        #expect(
            record(#"{"attributes": {}}"#) == .invalid("`\(path).attributes` must be an array of key-value objects"))
        #expect(record(#"{"attributes": [{"key": 1}]}"#) == .invalid("`\(path).attributes[0].key` must be a string"))
        #expect(
            record(
                #"{"attributes": [{"key": "k", "value": {"kvlistValue": {"values": [{"key": "a", "value": {"boolValue": "yes"}}]}}}]}"#
            )
                == .invalid("`\(path).attributes[0].value.kvlistValue.values[0].value.boolValue` must be true or false")
        )
    }

    @Test func moreRecordsThanAllowedIsRefused() throws {
        let four =
            #"{"resourceLogs": [{"scopeLogs": [{"logRecords": [{}, {}]}, {"logRecords": [{}]}]}, {"scopeLogs": [{"logRecords": [{}]}]}]}"#
        #expect(refusal(four, maxEvents: 3) == .tooManyRecords(limit: 3))
        #expect(try decode(four, maxEvents: 4).count == 4)
    }
}
