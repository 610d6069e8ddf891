/// The version siemd and siem-agent report.
public let siemVersion = "0.1.0"
