/// The Sigma `condition` expression: search identifiers joined with `and`, `or`, `not` and
/// parentheses (precedence `not` > `and` > `or`), and `1 of X`, `any of X`, `all of X` where `X` is
/// an identifier, a pattern with `*` wildcards, or `them` (every identifier not starting with `_`,
/// as pySigma reads it). Operator words are case-insensitive; identifiers are not.
struct SigmaConditionParser {
    private enum Token: Equatable {
        case open, close
        case word(String)
    }

    private let tokens: [Token]
    private var position = 0
    private let searches: [(name: String, condition: Condition)]
    private let text: String

    static func parse(_ text: String, searches: [(name: String, condition: Condition)]) throws(SigmaCompileError)
        -> Condition
    {
        var parser = SigmaConditionParser(text: text, searches: searches)
        guard !parser.tokens.isEmpty else { throw SigmaCompileError("empty condition") }
        let condition = try parser.expression()
        guard parser.position == parser.tokens.count else {
            throw parser.failure("unexpected `\(parser.describe(parser.tokens[parser.position]))`")
        }
        return condition
    }

    private init(text: String, searches: [(name: String, condition: Condition)]) {
        self.text = text
        self.searches = searches
        var tokens: [Token] = []
        var word = ""
        for character in text {
            if character == "(" || character == ")" || character.isWhitespace {
                if !word.isEmpty { tokens.append(.word(word)) }
                word = ""
                if character == "(" { tokens.append(.open) }
                if character == ")" { tokens.append(.close) }
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty { tokens.append(.word(word)) }
        self.tokens = tokens
    }

    private func failure(_ problem: String) -> SigmaCompileError {
        SigmaCompileError("condition `\(text)`: \(problem)")
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .open: "("
        case .close: ")"
        case .word(let word): word
        }
    }

    private func keyword(at offset: Int = 0) -> String? {
        guard position + offset < tokens.count, case .word(let word) = tokens[position + offset] else { return nil }
        return word.lowercased()
    }

    private mutating func expression() throws(SigmaCompileError) -> Condition {
        var terms = [try conjunction()]
        while keyword() == "or" {
            position += 1
            terms.append(try conjunction())
        }
        return terms.count == 1 ? terms[0] : .any(terms)
    }

    private mutating func conjunction() throws(SigmaCompileError) -> Condition {
        var factors = [try unary()]
        while keyword() == "and" {
            position += 1
            factors.append(try unary())
        }
        return factors.count == 1 ? factors[0] : .all(factors)
    }

    private mutating func unary() throws(SigmaCompileError) -> Condition {
        if keyword() == "not" {
            position += 1
            return .not(try unary())
        }
        return try primary()
    }

    private mutating func primary() throws(SigmaCompileError) -> Condition {
        guard position < tokens.count else { throw failure("ends where a search identifier is expected") }
        let token = tokens[position]
        position += 1
        switch token {
        case .open:
            let inner = try expression()
            guard position < tokens.count, tokens[position] == .close else { throw failure("missing `)`") }
            position += 1
            return inner
        case .close:
            throw failure("unexpected `)`")
        case .word(let word):
            let lowered = word.lowercased()
            if ["1", "any", "all"].contains(lowered), keyword() == "of" {
                position += 1
                guard case .word(let target)? = position < tokens.count ? tokens[position] : nil else {
                    throw failure("`\(word) of` needs a search identifier, a pattern or `them`")
                }
                position += 1
                let selected = try matching(target)
                return lowered == "all" ? .all(selected) : .any(selected)
            }
            if ["and", "or", "not", "of"].contains(lowered) { throw failure("unexpected `\(word)`") }
            if let quantifier = Int(word), quantifier > 1, keyword() == "of" {
                throw failure("`\(quantifier) of` is not supported (only `1 of`, `any of` and `all of`)")
            }
            guard let search = searches.first(where: { $0.name == word }) else {
                throw failure("unknown search identifier `\(word)`")
            }
            return search.condition
        }
    }

    /// The searches `1 of`/`all of` name.
    private func matching(_ target: String) throws(SigmaCompileError) -> [Condition] {
        let selected: [Condition]
        if target.lowercased() == "them" {
            selected = searches.filter { !$0.name.hasPrefix("_") }.map(\.condition)
        } else if target.contains("*") {
            let pattern = WildcardPattern(SigmaString(parsing: target).parts, ignoreCase: false)
            selected = searches.filter { pattern.matches($0.name) }.map(\.condition)
        } else {
            selected = searches.filter { $0.name == target }.map(\.condition)
        }
        guard !selected.isEmpty else { throw failure("`\(target)` matches no search identifier") }
        return selected
    }
}
