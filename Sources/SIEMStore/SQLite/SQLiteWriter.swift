import Foundation

/// The single writer: one thread owns the write connection and commits in groups.
///
/// Jobs that arrive while a transaction is open wait and then share the next one; each caller
/// resumes only after the COMMIT that holds its work (or with the error that stopped it). One job's
/// failure fails only that job: the group is rolled back and run again with a savepoint per job.
/// A job's body must therefore act only through the connection: it may run twice.
///
/// `@unchecked Sendable`: the connection is touched only by the writer thread; `pending` and
/// `state` are guarded by `condition`.
final class SQLiteWriter: @unchecked Sendable {
    private struct Job {
        /// Runs the work; returns the closure that resumes the caller with its result.
        let run: (SQLiteConnection) throws -> () -> Void
        let fail: (any Error) -> Void
    }

    private enum State { case running, draining, stopped }

    /// Commits made and jobs they held (read under `condition`).
    private var commits = 0
    private var committedJobs = 0
    private var retriedGroups = 0

    /// `commits`, jobs per commit on average, and groups run again job by job after a failure.
    var statistics: (commits: Int, jobsPerCommit: Double, retriedGroups: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (commits, commits == 0 ? 0 : Double(committedJobs) / Double(commits), retriedGroups)
    }

    private let condition = NSCondition()
    private var pending: [Job] = []
    private var state = State.running
    private let finished = DispatchSemaphore(value: 0)
    private let connection: SQLiteConnection
    /// Called on the writer thread after each commit with the number of jobs it held.
    private let onCommit: @Sendable (Int) -> Void
    /// Called on the writer thread after a rollback (of a transaction or a job's savepoint), so
    /// that state kept beside the database can be read back from it (guarded by `condition`).
    private var rollbackHandlers: [@Sendable (SQLiteConnection) -> Void] = []

    init(connection: SQLiteConnection, onCommit: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.connection = connection
        self.onCommit = onCommit
        let thread = Thread { [self] in loop() }
        thread.name = "siem-sqlite-writer"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Runs `body` on the writer thread inside a (shared) transaction and returns once committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { connection in
                    let value = try body(connection)
                    return { continuation.resume(returning: value) }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            condition.lock()
            guard state == .running else {
                condition.unlock()
                continuation.resume(throwing: StoreError.closed)
                return
            }
            pending.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// Adds a handler called on the writer thread after every rollback.
    func onRollback(_ handler: @escaping @Sendable (SQLiteConnection) -> Void) {
        condition.lock()
        rollbackHandlers.append(handler)
        condition.unlock()
    }

    private func rolledBack() {
        condition.lock()
        let handlers = rollbackHandlers
        condition.unlock()
        for handler in handlers { handler(connection) }
    }

    /// Stops taking jobs, commits what is queued, and returns when the thread is done.
    func close() {
        condition.lock()
        if state == .running {
            state = .draining
            condition.signal()
            condition.unlock()
            finished.wait()
        } else {
            condition.unlock()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && state == .running { condition.wait() }
            let jobs = pending
            pending.removeAll(keepingCapacity: true)
            let done = jobs.isEmpty && state != .running
            if done { state = .stopped }
            condition.unlock()
            if done { break }
            commit(jobs)
        }
        finished.signal()
    }

    /// Runs a parameterless statement through the connection's prepared-statement cache
    /// (transaction control runs per job: parsing it every time would cost more than the insert).
    private func run(_ sql: String) throws {
        try connection.prepare(sql).run([])
    }

    private func commit(_ jobs: [Job]) {
        // A one-row read left mid-result would keep a read transaction open on this connection
        // (holding back checkpoints), as on the readers: reset every statement after each group.
        defer { connection.resetStatements() }
        if jobs.count > 1 && commitTogether(jobs) { return }
        commitIsolated(jobs)
    }

    /// The fast path: every job of the group in one transaction without savepoints. Savepoints are
    /// not free: FTS5 writes its pending index out as a new segment at each one, so a savepoint
    /// per job turned a group of 32 one-event ingests into 32 segments (and their merges).
    /// Returns false, with everything rolled back, when a job failed: the caller then runs the
    /// group again with a savepoint per job, so only the failing job fails.
    private func commitTogether(_ jobs: [Job]) -> Bool {
        do {
            try run("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.fail(error) }
            return true
        }
        var resumes: [() -> Void] = []
        resumes.reserveCapacity(jobs.count)
        for job in jobs {
            do {
                resumes.append(try job.run(connection))
            } catch {
                try? run("ROLLBACK")
                rolledBack()
                condition.lock()
                retriedGroups += 1
                condition.unlock()
                return false
            }
        }
        do {
            try run("COMMIT")
        } catch {
            try? run("ROLLBACK")
            rolledBack()
            for job in jobs { job.fail(error) }
            return true
        }
        finish(jobs.count, resumes)
        return true
    }

    /// Each job in its own savepoint (a lone job in the transaction itself): one job's failure
    /// rolls back only that job.
    private func commitIsolated(_ jobs: [Job]) {
        do {
            try run("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.fail(error) }
            return
        }
        var resumes: [() -> Void] = []
        var succeeded: [Job] = []
        resumes.reserveCapacity(jobs.count)
        let isolate = jobs.count > 1
        for job in jobs {
            do {
                if isolate { try run("SAVEPOINT job") }
                let resume = try job.run(connection)
                if isolate { try run("RELEASE job") }
                resumes.append(resume)
                succeeded.append(job)
            } catch {
                if isolate {
                    try? run("ROLLBACK TO job")
                    try? run("RELEASE job")
                    rolledBack()
                } else {
                    try? run("ROLLBACK")
                    rolledBack()
                }
                job.fail(error)
            }
        }
        if !isolate && succeeded.isEmpty { return }
        do {
            try run("COMMIT")
        } catch {
            try? run("ROLLBACK")
            rolledBack()
            for job in succeeded { job.fail(error) }
            return
        }
        finish(jobs.count, resumes)
    }

    private func finish(_ jobCount: Int, _ resumes: [() -> Void]) {
        onCommit(jobCount)
        condition.lock()
        commits += 1
        committedJobs += jobCount
        condition.unlock()
        for resume in resumes { resume() }
    }
}
