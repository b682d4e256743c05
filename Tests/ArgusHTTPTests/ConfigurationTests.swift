//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusHTTP
import Foundation
import Testing

@Suite struct ConfigurationTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Docs/config.example.yaml")

    @Test func theDocumentedExampleLoadsAsTheDefaults() throws {
        let text = try String(contentsOf: Self.example, encoding: .utf8)
        var loaded = try ServerConfiguration.load(yaml: text)
        #expect(loaded.host == "127.0.0.1" && loaded.port == 8080)
        // The example's subnets are an example; everything else is the default.
        loaded.subnets = []
        loaded.exclusions = []
        #expect(loaded == ServerConfiguration())
    }

    @Test func settingsOverrideInOrder() throws {
        var configuration = try ServerConfiguration.load(
            yaml: """
                server:
                  host: 0.0.0.0
                  port: 9000
                network:
                  subnets: [192.168.1.0/24, 10.0.0.0/28]
                  exclusions: 192.168.1.1
                  scan_profile: quick
                database:
                  path:
                """)
        #expect(configuration.host == "0.0.0.0" && configuration.port == 9000)
        #expect(configuration.subnets == ["192.168.1.0/24", "10.0.0.0/28"] && configuration.exclusions == ["192.168.1.1"])
        #expect(configuration.databasePath == nil, "empty means the default")
        try configuration.applyEnvironment([
            "ARGUS_PORT": "9100", "ARGUS_SUBNETS": "192.0.2.0/24, 198.51.100.0/28", "ARGUS_DB": "/tmp/a.db", "UNRELATED": "x",
        ])
        #expect(
            configuration.port == 9100 && configuration.subnets == ["192.0.2.0/24", "198.51.100.0/28"] && configuration.databasePath == "/tmp/a.db")
        #expect(try ServerConfiguration.load(yaml: "").port == 8080)
    }

    @Test(arguments: [
        ("server:\n  prot: 80", "server.prot: unknown setting"),
        ("sever:\n  port: 80", "sever: unknown section"),
        ("server:\n  port: 70000", "server.port: 70000 is not a port"),
        ("server:\n  port: eighty", "server.port: must be a whole number"),
        ("network:\n  subnets: [-iL /etc/passwd]", "network.subnets:"),
        ("network:\n  subnets: [10.0.0.0/8]", "network.subnets:"),
        ("network:\n  scan_profile: fast", "network.scan_profile: 'fast' is not a profile"),
        ("sessions:\n  idle_minutes: 0", "sessions.idle_minutes: must be at least 1"),
        ("server: [1, 2]", "server: must be a mapping"),
        ("- a\n- b", "the top level must be a mapping"),
        ("server:\n  port: [80", "not valid YAML"),
    ])
    func badSettingsAreNamed(yaml: String, message: String) {
        do {
            _ = try ServerConfiguration.load(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func badEnvironmentIsNamedByVariable() {
        var configuration = ServerConfiguration()
        #expect(throws: ServerConfiguration.Problem("ARGUS_PORT", "must be a whole number, not 'http'")) {
            try configuration.applyEnvironment(["ARGUS_PORT": "http"])
        }
    }
}

@Suite struct CustomProfileTests {
    @Test func profilesFromConfigUseOnlyAllowedOptions() throws {
        let configuration = try ServerConfiguration.load(
            yaml: """
                scanning:
                  profiles:
                    - name: web
                      ports: 80,443,8000-8100
                      service_detection: true
                      version_intensity: 2
                      timing: 4
                network:
                  scan_profile: web
                """)
        let web = try #require(configuration.profiles.first { $0.name == "web" })
        #expect(web.nmapArguments(privileged: false).arguments == ["-sT", "-p", "80,443,8000-8100", "-sV", "--version-intensity", "2", "-T4"])
        #expect(configuration.scanProfile == "web")
        for (yaml, message) in [
            ("scanning:\n  profiles:\n    - name: evil\n      extra_args: --script=x", "not an allowed option"),
            ("scanning:\n  profiles:\n    - name: normal", "'normal' is taken"),
            ("scanning:\n  profiles:\n    - name: x\n      timing: 9", "must be 0 to 5"),
            ("scanning:\n  profiles:\n    - name: x\n      ports: 0-99999", "ports"),
            ("scanning:\n  profiles:\n    - name: 'a b'", "1 to 40 letters"),
        ] {
            do {
                _ = try ServerConfiguration.load(yaml: yaml)
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}
