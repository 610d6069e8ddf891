/// sudo lines (`log_type` `sudo`):
/// `alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update`, with the
/// failure forms `3 incorrect password attempts`, `user NOT in sudoers`, `user NOT authorized`,
/// and pam_unix(sudo:…) authentication failures and sessions.
///
/// Keys: `user.name` (who ran sudo), `user.target.name` (`USER=`), `group.name`, `process.tty.name`,
/// `process.working_directory`, `process.command_line`, `process.executable`, `event.action`
/// (`sudo-command`, `sudo-incorrect-password`, `sudo-not-in-sudoers`, `sudo-not-authorized`,
/// `sudo-password-required`, `pam-auth-failure`, …).
///
/// The working directory and the command are the user's own text and may hold ` ; USER=root ; `:
/// `USER=` is read where an account name (no spaces) is followed by ` ; ` and sudo's next field;
/// when the line has more than one such place it is flagged `sudo_ambiguous_fields`.
enum SudoNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        let text = body.trimmed
        if AuthNormalizer.pam(text, into: &record) { return true }
        guard let separator = text.find(" : ") else { return false }
        let user = text[..<separator.lowerBound].trimmed
        guard !user.isEmpty, !user.has(" ") else { return false }
        var rest = text[separator.upperBound...].trimmed
        var failure: String?
        if !rest.startsWith("TTY="), let end = rest.find(" ; ") {
            let reason = rest[..<end.lowerBound]
            failure = failureAction(reason)
            if reason.has("incorrect password attempt"), let count = Int64(reason.firstWord) {
                record.set("event.count", .int(count))
            }
            rest = rest[end.upperBound...]
        }
        record.set("event.category", "process")
        record.set("user.name", user)
        fields(rest, into: &record)
        guard record.has("process.command_line") || failure != nil else { return false }
        record.set("event.action", failure ?? "sudo-command")
        record.set("event.outcome", failure == nil ? "success" : "failure")
        if failure != nil { record.set("event.category", "authentication") }
        return true
    }

    private static func failureAction(_ reason: Substring) -> String? {
        if reason.has("incorrect password attempt") { return "sudo-incorrect-password" }
        if reason.has("NOT in sudoers") { return "sudo-not-in-sudoers" }
        if reason.has("NOT authorized") || reason.has("not allowed") { return "sudo-not-authorized" }
        if reason.has("a password is required") { return "sudo-password-required" }
        return nil
    }

    /// `TTY=… ; PWD=… ; USER=… ; [GROUP=… ; ][TSID=… ; ][ENV=… ; ]COMMAND=…` (the command runs to
    /// the end of the line).
    private static func fields(_ text: Substring, into record: inout NormalizedRecord) {
        var rest = text
        if let tty = rest.after(prefix: "TTY=") {
            let end = tty.find(" ; ")
            record.set("process.tty.name", end.map { tty[..<$0.lowerBound] } ?? tty)
            guard let end else { return }
            rest = tty[end.upperBound...]
        }
        if let pwd = rest.after(prefix: "PWD=") {
            let anchors = userAnchors(in: pwd)
            if anchors.count > 1 { record.flag("sudo_ambiguous_fields") }
            guard let anchor = anchors.first else {
                record.set("process.working_directory", pwd)
                return
            }
            record.set("process.working_directory", pwd[..<anchor.lowerBound])
            rest = pwd[anchor.upperBound...]
        }
        while !rest.isEmpty {
            if let command = rest.after(prefix: "COMMAND=") {
                record.set("process.command_line", command)
                if let executable = command.words.first { record.set("process.executable", executable) }
                return
            }
            let end = rest.find(" ; ")
            let part = end.map { rest[..<$0.lowerBound] } ?? rest
            if let target = part.after(prefix: "USER=") {
                record.set("user.target.name", target)
            } else if let group = part.after(prefix: "GROUP=") {
                record.set("group.name", group)
            }
            guard let end else { return }
            rest = rest[end.upperBound...]
        }
    }

    /// Each ` ; ` that ends the working directory: followed by `USER=NAME ; ` and a field sudo
    /// writes next.
    private static func userAnchors(in text: Substring) -> [Range<Substring.Index>] {
        var anchors: [Range<Substring.Index>] = []
        var search = text[...]
        while let found = search.find(" ; USER=") {
            let name = text[found.upperBound...].firstWord
            if !name.isEmpty, let next = text[name.endIndex...].after(prefix: " ; "),
                ["COMMAND=", "GROUP=", "TSID=", "ENV=", "CHROOT="].contains(where: { next.startsWith($0) })
            {
                anchors.append(found.lowerBound..<text.utf8.index(found.lowerBound, offsetBy: 3))
            }
            search = text[found.upperBound...]
        }
        return anchors
    }
}
