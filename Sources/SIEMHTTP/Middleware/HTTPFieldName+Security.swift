import Hummingbird

/// Header names the security middleware reads or writes that HTTPTypes does not predefine.
extension HTTPFields.Element.Name {
    static let apiKey = Self("x-api-key")!
    /// HTTP/1 moves the first Host header into the request's authority; a repeated one stays a field.
    static let host = Self("Host")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
