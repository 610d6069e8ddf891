import Foundation

@testable import SIEMOTLP

/// Small builders for the generated OTLP messages.
extension Proto.KeyValue {
    init(_ key: String, _ value: Proto.AnyValue) {
        self.init()
        self.key = key
        self.value = value
    }
}

extension Proto.AnyValue {
    static func string(_ text: String) -> Self { with { $0.stringValue = text } }
    static func int(_ number: Int64) -> Self { with { $0.intValue = number } }
    static func double(_ number: Double) -> Self { with { $0.doubleValue = number } }
    static func bool(_ flag: Bool) -> Self { with { $0.boolValue = flag } }
    static func bytes(_ data: Data) -> Self { with { $0.bytesValue = data } }
    static func array(_ values: [Self]) -> Self { with { $0.arrayValue = .with { $0.values = values } } }
    static func kvlist(_ values: [Proto.KeyValue]) -> Self { with { $0.kvlistValue = .with { $0.values = values } } }
}

extension Proto.ExportRequest {
    /// One resource with `resource` attributes, one scope, and `records`.
    static func one(
        resource: [Proto.KeyValue], scope: (name: String, version: String)? = nil, records: [Proto.LogRecord]
    ) -> Self {
        .with { request in
            request.resourceLogs = [
                .with { resourceLogs in
                    resourceLogs.resource.attributes = resource
                    resourceLogs.scopeLogs = [
                        .with { scopeLogs in
                            if let scope {
                                scopeLogs.scope.name = scope.name
                                scopeLogs.scope.version = scope.version
                            }
                            scopeLogs.logRecords = records
                        }
                    ]
                }
            ]
        }
    }
}

let receivedAt = Date(timeIntervalSince1970: 1_800_000_000)

/// 2018-12-13T14:51:00.3Z, the time of the OTLP examples.
let exampleNanoseconds: UInt64 = 1_544_712_660_300_000_000
let exampleDate = Date(timeIntervalSince1970: 1_544_712_660.3)
