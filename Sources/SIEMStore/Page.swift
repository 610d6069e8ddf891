import Foundation
import SIEMCore

/// A page of newest-first results; `nextCursor` fetches the following (older) page.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
