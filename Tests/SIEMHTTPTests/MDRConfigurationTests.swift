import SIEMCore
import Testing

@testable import SIEMHTTP

@Suite struct MDRConfigurationTests {
    @Test func readsMDRVariables() throws {
        let configuration = try ServerConfiguration(environment: [
            "MDR_WEBHOOK_URL": "https://hooks.example/siem", "MDR_WEBHOOK_SECRET": "k",
            "MDR_WEBHOOK_TIMEOUT": "3", "MDR_AUTO_CREATE_INCIDENTS": "yes", "MDR_AUTO_CREATE_MIN_SEVERITY": "HIGH",
        ])
        #expect(configuration.mdr.webhookURL == "https://hooks.example/siem")
        #expect(configuration.mdr.webhookSecret == "k")
        #expect(configuration.mdr.webhookTimeout == 3)
        #expect(configuration.mdr.autoCreateIncidents)
        #expect(configuration.mdr.autoCreateMinSeverity == .high)
        let defaults = try ServerConfiguration(environment: [:])
        #expect(defaults.mdr.webhookURL == nil)
        #expect(defaults.mdr.webhookTimeout == 1.5)
        #expect(!defaults.mdr.autoCreateIncidents)
        #expect(defaults.mdr.autoCreateMinSeverity == .medium)
    }

    @Test(arguments: [
        ("MDR_WEBHOOK_URL", "ftp://x"), ("MDR_WEBHOOK_URL", "not a url"), ("MDR_WEBHOOK_TIMEOUT", "fast"),
        ("MDR_AUTO_CREATE_INCIDENTS", "maybe"), ("MDR_AUTO_CREATE_MIN_SEVERITY", "urgent"),
    ])
    func badValuesNameTheVariable(variable: String, value: String) {
        #expect {
            _ = try ServerConfiguration(environment: [variable: value])
        } throws: { error in
            (error as? ConfigurationError)?.variable == variable
        }
    }
}
