/// sudo lines (`log_type` `sudo`):
/// `alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update`, with the
/// failure forms `3 incorrect password attempts`, `user NOT in sudoers`, `user NOT authorized`,
/// and pam_unix(sudo:…) authentication failures and sessions.
///
/// Keys: `user.name` (who ran sudo), `user.target.name` (`USER=`), `process.tty.name`,
/// `process.working_directory`, `process.command_line`, `event.action` (`sudo-command`,
/// `sudo-incorrect-password`, `sudo-not-in-sudoers`, `sudo-not-authorized`, `pam-auth-failure`, …).
enum SudoNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        let text = body.trimmed
        if AuthNormalizer.pam(text, into: &record) { return true }
        guard let separator = text.find(" : ") else { return false }
        let user = text[..<separator.lowerBound].trimmed
        guard !user.isEmpty, !user.has(" ") else { return false }
        record.set("event.category", "process")
        record.set("user.name", user)
        let parts = text[separator.upperBound...].split(separator: ";").map { $0.trimmed }
        var failure: String?
        for part in parts {
            if part.startsWith("TTY=") {
                record.set("process.tty.name", part.dropFirst(4))
            } else if part.startsWith("PWD=") {
                record.set("process.working_directory", part.dropFirst(4))
            } else if part.startsWith("USER=") {
                record.set("user.target.name", part.dropFirst(5))
            } else if part.startsWith("GROUP=") {
                record.set("group.name", part.dropFirst(6))
            } else if part.startsWith("COMMAND=") {
                // The command may itself contain ` ; `: it runs to the end of the line.
                let command = text[part.startIndex...]
                record.set("process.command_line", command.dropFirst(8))
                if let executable = command.dropFirst(8).words.first { record.set("process.executable", executable) }
                break
            } else if part.has("incorrect password attempt") {
                failure = "sudo-incorrect-password"
                if let count = Int64(part.firstWord) { record.set("event.count", .int(count)) }
            } else if part.has("NOT in sudoers") {
                failure = "sudo-not-in-sudoers"
            } else if part.has("NOT authorized") || part.has("not allowed") {
                failure = "sudo-not-authorized"
            } else if part.has("a password is required") {
                failure = "sudo-password-required"
            }
        }
        guard record.has("process.command_line") || failure != nil else { return false }
        record.set("event.action", failure ?? "sudo-command")
        record.set("event.outcome", failure == nil ? "success" : "failure")
        if failure != nil { record.set("event.category", "authentication") }
        return true
    }
}
