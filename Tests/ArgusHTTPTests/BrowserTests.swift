//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A WebDriver client for Debian's chromedriver and headless chromium: just what the tests use.
struct WebDriver {
    let base: String
    let session: String

    static let element = "element-6066-11e4-a52e-4f735466cecf"

    /// One WebDriver command. chromedriver writes headers without a space after the colon,
    /// which FoundationNetworking refuses, so the request goes through curl.
    static func call(_ method: String, _ url: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-webdriver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var arguments = ["-s", "--max-time", "120", "-X", method, url]
        if let body {
            let file = folder.appendingPathComponent("body.json")
            try JSONSerialization.data(withJSONObject: body).write(to: file)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(file.path)"]
        }
        let curl = try LiveServerTests.Child("/usr/bin/curl", arguments, log: folder.appendingPathComponent("out.json"))
        var status: Int32 = 0
        _ = waitpid(curl.pid, &status, 0)
        let data = try Data(contentsOf: folder.appendingPathComponent("out.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        if let value = object?["value"] as? [String: Any], let error = value["error"] as? String {
            throw WebDriverError(error: error, message: value["message"] as? String ?? "")
        }
        return object?["value"]
    }

    struct WebDriverError: Error, CustomStringConvertible {
        var error: String
        var message: String
        var description: String { "\(error): \(message.prefix(300))" }
    }

    static func start(port: Int) async throws -> WebDriver {
        let base = "http://127.0.0.1:\(port)"
        let options: [String: Any] = [
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000", "--no-first-run",
                "--disable-extensions",
            ],
        ]
        let value =
            try await call("POST", "\(base)/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
            as? [String: Any]
        let session = try #require(value?["sessionId"] as? String)
        // Element lookups wait up to 10 s for the element, so a lookup right after a click
        // that navigates finds the new page's element rather than failing.
        _ = try await call("POST", "\(base)/session/\(session)/timeouts", ["implicit": 10_000])
        return WebDriver(base: "\(base)/session/\(session)", session: session)
    }

    func quit() async { _ = try? await Self.call("DELETE", base) }
    func open(_ url: String) async throws { _ = try await Self.call("POST", "\(base)/url", ["url": url]) }
    func url() async throws -> String { try await Self.call("GET", "\(base)/url") as? String ?? "" }

    func find(_ css: String) async throws -> String {
        let value = try await Self.call("POST", "\(base)/element", ["using": "css selector", "value": css]) as? [String: Any]
        return try #require(value?[Self.element] as? String, "no element \(css): \(String(describing: value))")
    }

    func type(_ css: String, _ text: String) async throws {
        let id = try await find(css)
        _ = try await Self.call("POST", "\(base)/element/\(id)/clear", [:])
        _ = try await Self.call("POST", "\(base)/element/\(id)/value", ["text": text])
    }

    func click(_ css: String) async throws {
        _ = try await Self.call("POST", "\(base)/element/\(try await find(css))/click", [:])
    }

    func text(_ css: String) async throws -> String {
        try await Self.call("GET", "\(base)/element/\(try await find(css))/text") as? String ?? ""
    }

    func script(_ source: String) async throws -> Any? {
        try await Self.call("POST", "\(base)/execute/sync", ["script": source, "args": []])
    }

    /// True when a JavaScript dialog (an injected `alert`) is open.
    func hasAlert() async -> Bool {
        (try? await Self.call("GET", "\(base)/alert/text")) != nil
    }

    func screenshot(_ name: String, into folder: URL) async throws {
        let encoded = try #require(try await Self.call("GET", "\(base)/screenshot") as? String)
        try Data(base64Encoded: encoded)?.write(to: folder.appendingPathComponent("\(name).png"))
    }

    /// Waits until a script returns true.
    /// The page's address once it satisfies `accept`, polled for up to `seconds`: a click that
    /// submits a form returns before the browser has necessarily committed the navigation.
    func url(within seconds: Int = 15, where accept: (String) -> Bool) async throws -> String {
        var current = try await url()
        for _ in 0..<(seconds * 10) where !accept(current) {
            try await Task.sleep(for: .milliseconds(100))
            current = try await url()
        }
        return current
    }

    func waitUntil(_ condition: String, seconds: Int = 60) async throws -> Bool {
        for _ in 0..<(seconds * 5) {
            if try await script("return Boolean(\(condition))") as? Bool == true { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}

/// The web UI in a real browser: setup → scan a loopback service → watch progress → open the
/// device → label it (with markup that must stay inert) → sign out. Every page is saved as a
/// screenshot in `.build/screenshots`.
@Suite(.serialized) struct BrowserTests {
    static let available =
        ["/usr/bin/chromedriver", "/usr/bin/chromium", "/usr/bin/curl"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
        && LiveServerTests.nmapInstalled

    @Test(
        .enabled(if: available, "needs chromium, chromium-driver, curl and nmap (Scripts/setup.sh --for-tests installs them)"),
        .timeLimit(.minutes(5)))
    func setupScanLabelAndSignOut() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shots = LiveServerTests.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)

        let servicePort = Int.random(in: 30_000...39_999)
        let services = try LiveServerTests.Child(
            "/usr/bin/env",
            ["python3", LiveServerTests.root.appendingPathComponent("Scripts/fake_services.py").path, "127.0.0.1", "\(servicePort):ssh-old"],
            log: folder.appendingPathComponent("services.log"))
        defer { _ = services.stop(SIGKILL) }
        let port = LiveServerTests.freePort()
        let server = try LiveServerTests.Child(
            LiveServerTests.binaries.appendingPathComponent("argus-server").path,
            ["--db", folder.appendingPathComponent("argus.db").path, "--port", "\(port)"], log: folder.appendingPathComponent("server.log"))
        defer { _ = server.stop(SIGKILL) }
        let driverPort = LiveServerTests.freePort() + 1
        let driver = try LiveServerTests.Child(
            "/usr/bin/chromedriver", ["--port=\(driverPort)"], log: folder.appendingPathComponent("chromedriver.log"))
        defer { _ = driver.stop(SIGKILL) }
        var token: String?
        for _ in 0..<100 {
            if server.output.contains("listens on"),
                driver.output.contains("started successfully") || driver.output.contains("ChromeDriver was started"),
                let line = server.output.split(separator: "\n").first(where: { $0.contains("setup token: ") })
            {
                token = line.components(separatedBy: "setup token: ").last
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let setupToken = try #require(token, "\(server.output)\n\(driver.output)")
        let site = "http://127.0.0.1:\(port)"
        let browser = try await WebDriver.start(port: driverPort)
        do {
            // Anonymous: sent to sign in, which sends a fresh install to setup.
            try await browser.open("\(site)/devices")
            #expect(try await browser.url().hasSuffix("/setup"))
            try await browser.screenshot("setup", into: shots)
            try await browser.type("input[name=setup_token]", setupToken)
            try await browser.type("input[name=username]", "admin")
            try await browser.type("input[name=password]", "a long enough password")
            try await browser.type("input[name=subnet]", "127.0.0.1")
            try await browser.click("form button[type=submit]")
            #expect(try await browser.url { $0 == "\(site)/" } == "\(site)/")
            #expect(try await browser.text("h1") == "Dashboard")
            try await browser.screenshot("dashboard", into: shots)

            // Start a scan of the loopback service and watch it to the end.
            try await browser.open("\(site)/scans")
            try await browser.type("input[name=ports]", "\(servicePort)")
            try await browser.click("form[action='/scans'] button[type=submit]")
            #expect(try await browser.url { $0.contains("/scans?started=") }.contains("/scans?started="))
            try await browser.screenshot("scans", into: shots)
            #expect(
                try await browser.waitUntil(
                    "document.querySelector('table tbody tr td:nth-child(4)') && document.querySelector('table tbody tr td:nth-child(4)').textContent.startsWith('completed')"
                ), "the scan completes and the page shows it")

            // The device, its port, and a label carrying markup that must stay text.
            try await browser.open("\(site)/devices")
            try await browser.screenshot("devices", into: shots)
            try await browser.click("table.devices tbody a")
            let heading = try await browser.text("h1")
            #expect(heading.contains("localhost") || heading.contains("127.0.0.1"), "\(heading)")
            #expect(try await browser.text("main").contains("\(servicePort)/tcp"))
            let hostile = "<script>alert('x')</script><img src=x onerror=alert(2)>Lab box"
            try await browser.type("input[name=label]", hostile)
            try await browser.click("form.edit button[type=submit]")
            #expect(try await browser.url { $0.contains("saved=1") }.contains("saved=1"))
            #expect(try await browser.text("h1") == hostile, "the label shows as text")
            #expect(await browser.hasAlert() == false, "no script ran")
            #expect(try await browser.script("return document.querySelectorAll('main script, main img').length") as? Int == 0)
            try await browser.screenshot("device", into: shots)
            // Snooze this device's alerts for a day from its page, then lift it.
            try await browser.click("form[action='/settings/alerts/snooze'] button[type=submit]")
            #expect(
                try await browser.waitUntil(
                    "document.querySelector('main') && document.querySelector('main').textContent.includes('Alerts snoozed until')", seconds: 15))
            try await browser.click("form[action='/settings/alerts/snooze'] button[name=minutes]")
            #expect(
                try await browser.waitUntil(
                    "document.querySelector('main') && document.querySelector('main').textContent.includes('Snooze its alerts')", seconds: 15))

            try await browser.open("\(site)/changes")
            #expect(try await browser.text("main").contains("A new device appeared at 127.0.0.1"))
            try await browser.screenshot("changes", into: shots)

            try await browser.open("\(site)/visualization")
            #expect(try await browser.text("main").contains("Risk heat map"))
            try await browser.screenshot("visualization", into: shots)
            try await browser.open("\(site)/compare")
            try await browser.screenshot("compare", into: shots)
            // An API key in the browser: shown once.
            try await browser.open("\(site)/settings")
            try await browser.type("form[action='/settings/keys'] input[name=name]", "Browser test")
            try await browser.click("form[action='/settings/keys'] button[type=submit]")
            #expect(try await browser.text("#new-key").hasPrefix("argus_"))
            try await browser.screenshot("settings", into: shots)

            // Sign out: back to sign-in, and pages are closed again.
            try await browser.click("form.logout button")
            #expect(try await browser.url { $0.hasSuffix("/login") }.hasSuffix("/login"))
            try await browser.screenshot("login", into: shots)
            try await browser.open("\(site)/")
            #expect(try await browser.url().contains("/login?next="))
        } catch {
            try? await browser.screenshot("failure", into: shots)
            await browser.quit()
            throw error
        }
        await browser.quit()
    }
}
