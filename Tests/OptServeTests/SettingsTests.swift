import Foundation
import OptKit
import Testing

@testable import OptServe

@Suite struct SettingsTests {
    @Test func profilesHaveSafeDefaults() throws {
        let dev = try ServerSettings.resolve(environment: [:])
        #expect(dev.profile == .dev)
        #expect(dev.host == "127.0.0.1")
        #expect(dev.metricsPublic)
        #expect(!dev.corsOrigins.contains("*"))
        let staging = try ServerSettings.resolve(environment: ["OPTCTL_PROFILE": "staging"])
        #expect(!staging.metricsPublic)
        #expect(staging.corsOrigins.isEmpty)
    }

    @Test func environmentOverridesAndFlagsWin() throws {
        let settings = try ServerSettings.resolve(
            environment: ["OPTCTL_PORT": "9000", "OPTCTL_CORS_ORIGINS": "https://a.example, https://b.example:8443", "OPTCTL_WORKERS": "3"],
            port: 9100)
        #expect(settings.port == 9100)
        #expect(settings.corsOrigins == ["https://a.example", "https://b.example:8443"])
        #expect(settings.workers == 3)
    }

    @Test func everyBadValueIsReportedAtOnce() {
        #expect {
            try ServerSettings.resolve(environment: [
                "OPTCTL_PORT": "http", "OPTCTL_RATE_LIMIT": "-1", "OPTCTL_CORS_ORIGINS": "dash.example.com/app",
                "OPTCTL_JWT_SECRET": "short",
            ])
        } throws: { error in
            let fields = Set((error as? SettingsRejected)?.fields.map(\.field) ?? [])
            return fields == ["OPTCTL_PORT", "OPTCTL_RATE_LIMIT", "OPTCTL_CORS_ORIGINS", "OPTCTL_JWT_SECRET"]
        }
    }

    @Test func prodRefusesAMissingSecretAndOpenCORS() {
        #expect {
            try ServerSettings.resolve(environment: ["OPTCTL_CORS_ORIGINS": "*"], profile: "prod")
        } throws: { error in
            let fields = Set((error as? SettingsRejected)?.fields.map(\.field) ?? [])
            return fields == ["OPTCTL_CORS_ORIGINS", "OPTCTL_JWT_SECRET"]
        }
        #expect(throws: Never.self) {
            try ServerSettings.resolve(
                environment: ["OPTCTL_JWT_SECRET": String(repeating: "k", count: 40), "OPTCTL_CORS_ORIGINS": "https://dash.example.com"],
                profile: "prod")
        }
        #expect(throws: SettingsRejected.self) { try ServerSettings.resolve(environment: [:], profile: "production") }
    }

    @Test func theSecretFileIsCreatedPrivateAndLooseOnesAreRefused() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("optserve-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let dev = ServerSettings(profile: .dev)
        let (secret, source) = try JWTSecret.load(settings: dev, home: home)
        let path = home.appendingPathComponent(JWTSecret.defaultFileName).path
        #expect(source == .file(path: path, created: true))
        #expect(secret.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (again, second) = try JWTSecret.load(settings: dev, home: home)
        #expect(again == secret)
        #expect(second == .file(path: path, created: false))

        chmod(path, 0o644)
        #expect(throws: SecretFailure.self) { try JWTSecret.load(settings: dev, home: home) }

        // prod never creates one.
        var prod = ServerSettings(profile: .prod)
        prod.jwtSecretFile = home.appendingPathComponent("missing").path
        #expect(throws: SecretFailure.self) { try JWTSecret.load(settings: prod, home: home) }
    }
}
