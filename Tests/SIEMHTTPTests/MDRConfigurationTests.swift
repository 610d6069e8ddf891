import SIEMCore
import SIEMEngine
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

    @Test func readsTheWebhookQueueBytes() throws {
        let configuration = try ServerConfiguration(environment: [
            "MDR_WEBHOOK_URL": "https://hooks.example/siem", "MDR_WEBHOOK_QUEUE_BYTES": "1048576",
        ])
        #expect(configuration.mdr.webhookQueueBytes == 1 << 20)
        #expect(WebhookSender.Configuration(configuration.mdr)?.queueBytes == 1 << 20)
        let defaults = try ServerConfiguration(environment: ["MDR_WEBHOOK_URL": "https://hooks.example/siem"])
        #expect(defaults.mdr.webhookQueueBytes == 64 << 20)
        #expect(WebhookSender.Configuration(defaults.mdr)?.queueBytes == 64 << 20)
    }

    @Test(arguments: [
        ("MDR_WEBHOOK_URL", "ftp://x"), ("MDR_WEBHOOK_URL", "not a url"), ("MDR_WEBHOOK_TIMEOUT", "fast"),
        ("MDR_AUTO_CREATE_INCIDENTS", "maybe"), ("MDR_AUTO_CREATE_MIN_SEVERITY", "urgent"),
        ("MDR_WEBHOOK_QUEUE_BYTES", "0"), ("MDR_WEBHOOK_QUEUE_BYTES", "-1"), ("MDR_WEBHOOK_QUEUE_BYTES", "64MiB"),
        ("MDR_WEBHOOK_QUEUE_BYTES", "1.5"), ("MDR_WEBHOOK_QUEUE_BYTES", "1023"),
        ("MDR_WEBHOOK_QUEUE_BYTES", "99999999999999999999"),
    ])
    func badValuesNameTheVariable(variable: String, value: String) {
        #expect {
            _ = try ServerConfiguration(environment: [variable: value])
        } throws: { error in
            (error as? ConfigurationError)?.variable == variable
        }
    }
}
