/// Short names for the generated OTLP message types (`Generated/*.pb.swift`).
enum Proto {
    typealias ExportRequest = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest
    typealias ExportResponse = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse
    typealias ResourceLogs = Opentelemetry_Proto_Logs_V1_ResourceLogs
    typealias ScopeLogs = Opentelemetry_Proto_Logs_V1_ScopeLogs
    typealias LogRecord = Opentelemetry_Proto_Logs_V1_LogRecord
    typealias SeverityNumber = Opentelemetry_Proto_Logs_V1_SeverityNumber
    typealias Resource = Opentelemetry_Proto_Resource_V1_Resource
    typealias Scope = Opentelemetry_Proto_Common_V1_InstrumentationScope
    typealias KeyValue = Opentelemetry_Proto_Common_V1_KeyValue
    typealias AnyValue = Opentelemetry_Proto_Common_V1_AnyValue
    typealias ArrayValue = Opentelemetry_Proto_Common_V1_ArrayValue
    typealias KeyValueList = Opentelemetry_Proto_Common_V1_KeyValueList
}
