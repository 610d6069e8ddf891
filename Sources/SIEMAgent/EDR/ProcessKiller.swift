import Foundation
import SIEMCore

#if canImport(Glibc)
    import Glibc
#endif

/// `kill_process`: SIGTERM, then SIGKILL after a grace period, only ever to the process that had the
/// pid (and, when given, the start time) the action names, and never to init, the agent, its parent,
/// the SIEM's own programs or kernel threads (`ResponsePolicy`).
enum ProcessKiller {
    static func kill(
        pid: Int32, expectedStart: UInt64?, grace: Double, agent: ResponsePolicy.AgentIdentity = .current()
    ) async -> ActionOutcome {
        if let reason = ResponsePolicy.pidRefusal(pid, agent: agent) { return .refused(reason) }
        guard let (facts, stat) = ResponsePolicy.ProcessFacts.read(pid) else {
            return .failed("no such process: \(pid)")
        }
        if let reason = ResponsePolicy.processRefusal(facts, agent: agent) { return .refused(reason) }
        if let expectedStart, expectedStart != stat.startTime {
            return .failed("pid \(pid) now belongs to another process (start time differs); not signalled")
        }
        let start = stat.startTime
        func alive() -> Bool {
            guard let now = ProcFS.stat(pid) else { return false }
            return now.startTime == start && now.state != "Z"
        }
        guard Glibc.kill(pid, SIGTERM) == 0 else {
            return .failed(
                errno == EPERM
                    ? "permission denied: requires root or the same user"
                    : "kill failed: \(String(cString: strerror(errno)))")
        }
        let steps = max(1, Int(grace / 0.05))
        for _ in 0..<steps where alive() {
            try? await Task.sleep(for: .milliseconds(50))
        }
        var signal = "SIGTERM"
        if alive() {
            // Re-checked just above: the pid still holds the same process.
            _ = Glibc.kill(pid, SIGKILL)
            signal = "SIGKILL"
            for _ in 0..<40 where alive() { try? await Task.sleep(for: .milliseconds(50)) }
        }
        if alive() { return .failed("pid \(pid) is still running after SIGKILL") }
        return .succeeded([
            "pid": .int(Int64(pid)), "name": .string(stat.comm), "start_time": .int(Int64(start)),
            "signal": .string(signal),
        ])
    }
}
