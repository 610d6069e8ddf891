import Foundation
import SIEMCore

/// A registered EDR endpoint. `tokenHash` is the SHA-256 (hex) of its token; the token itself is
/// never stored.
public struct Endpoint: Sendable, Hashable {
    public var agentID: String
    public var tokenHash: String
    public var hostname: String
    public var os: String
    public var kernel: String
    public var ips: [String]
    public var agentVersion: String
    public var registeredAt: Date
    public var lastSeen: Date
    public var isolated: Bool

    public init(
        agentID: String, tokenHash: String, hostname: String, os: String, kernel: String, ips: [String],
        agentVersion: String, registeredAt: Date, lastSeen: Date, isolated: Bool = false
    ) {
        self.agentID = agentID
        self.tokenHash = tokenHash
        self.hostname = hostname
        self.os = os
        self.kernel = kernel
        self.ips = ips
        self.agentVersion = agentVersion
        self.registeredAt = registeredAt
        self.lastSeen = lastSeen
        self.isolated = isolated
    }
}
