import Foundation
import SIEMCore

/// Reports processes that started or exited since the last scan of `/proc`.
struct ProcessCollector {
    struct Key: Hashable {
        var pid: Int32
        var startTime: UInt64
    }

    private var known: [Key: [String: JSONValue]] = [:]
    private var first = true
    private var users: [UInt32: String] = [:]
    var count: Int { known.count }

    mutating func collect(now: Date) -> [JSONValue] {
        var current: [Key: [String: JSONValue]] = [:]
        var items: [JSONValue] = []
        for pid in ProcFS.pids() {
            guard let stat = ProcFS.stat(pid), stat.state != "Z" else { continue }
            let key = Key(pid: pid, startTime: stat.startTime)
            if let seen = known[key] {
                current[key] = seen
                continue
            }
            let commandLine = ProcFS.commandLine(pid)
            // Kernel threads have no command line and descend from kthreadd (pid 2).
            if commandLine.isEmpty && (stat.ppid == 2 || pid == 2) { continue }
            let uid = ProcFS.uid(pid)
            let user = uid.map { uid in users[uid] ?? ProcFS.userName(uid) } ?? "?"
            if let uid { users[uid] = user }
            let exe = ProcFS.readLink("/proc/\(pid)/exe") ?? ""
            var data: [String: JSONValue] = [
                "pid": .int(Int64(pid)), "ppid": .int(Int64(stat.ppid)), "name": .string(stat.comm),
                "user": .string(user), "exe": .string(exe), "cmdline": .string(commandLine),
                "start_time": .int(Int64(stat.startTime)),
            ]
            if let uid { data["uid"] = .int(Int64(uid)) }
            current[key] = data
            var event = data
            if first { event["initial"] = .bool(true) }
            items.append(
                Telemetry.item(
                    "edr_process_start", now: now, data: event,
                    message: "pid=\(pid) ppid=\(stat.ppid) user=\(user) exe=\(exe) cmdline=\(commandLine)"))
        }
        for (key, data) in known where current[key] == nil {
            let name = data["name"]?.stringValue ?? ""
            items.append(
                Telemetry.item("edr_process_exit", now: now, data: data, message: "pid=\(key.pid) name=\(name)"))
        }
        known = current
        first = false
        return items
    }
}

/// Builds telemetry items in the shape `POST /edr/telemetry` takes.
enum Telemetry {
    static func item(_ type: String, now: Date, data: [String: JSONValue], message: String) -> JSONValue {
        .object([
            "type": .string(type), "ts": .double(now.timeIntervalSince1970), "data": .object(data),
            "message": .string("\(type) \(message)"),
        ])
    }
}
