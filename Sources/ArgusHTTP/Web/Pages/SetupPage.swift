//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The first start: creating the administrator (with the setup token), the network to watch
/// and a schedule.
struct SetupPage: WebPage {
    /// The setup form's values: what was typed, shown again after a failure.
    struct View: PageView {
        /// The template.
        static let template = "setup"
        /// The layout's values.
        var frame: PageFrame
        /// The user name.
        var username = ""
        /// The network to watch.
        var subnet = ""
        /// The scan schedule.
        var schedule = ""
        /// The setup token.
        var setupToken = ""
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.open.get("/setup", use: show)
        routes.open.post("/setup", use: setup)
    }

    /// The form, while there is no user yet; afterwards the sign-in page.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        guard try await services.accounts.userCount() == 0 else { return Redirect.to("/login") }
        return pages.render(View(frame: PageFrame(context), schedule: "0 2 * * 0"))
    }

    /// Creates the administrator, the network setting and the schedule, and signs in.
    @Sendable func setup(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        guard try await services.accounts.userCount() == 0 else { return Redirect.to("/login") }
        /// The form again with what was typed and why it failed.
        func failure(_ message: String, _ status: HTTPResponse.Status = .unprocessableContent) -> Response {
            pages.render(
                View(
                    frame: PageFrame(context, error: message), username: form["username"] ?? "", subnet: form["subnet"] ?? "",
                    schedule: form["schedule"] ?? "", setupToken: form["setup_token"] ?? ""), status: status)
        }
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        guard Accounts.isValidUsername(username) else { return failure("The user name is 1 to 64 letters, digits, '.', '_' or '-'.") }
        if let problem = PasswordHasher.problem(with: password) { return failure("The password \(problem).") }
        var networks: [String] = []
        if let subnet = form["subnet"], !subnet.isEmpty {
            do { networks = try services.setup.networks(subnet) } catch { return failure("The network: \(error).") }
        }
        var cadence: ScanCadence?
        if let schedule = form["schedule"], !schedule.isEmpty {
            do { cadence = try ScanCadence(schedule) } catch { return failure("The schedule: \(error.description).") }
        }
        let user: User
        switch try await services.setup.complete(
            username: username, password: password, token: form["setup_token"] ?? "", networks: networks, request: request, context: context)
        {
        case .created(let created): user = created
        case .done: return Redirect.to("/login")
        case .wrongToken: return failure("Wrong setup token: it is printed in argus-server's log at start.", .forbidden)
        }
        if let cadence {
            _ = try await services.store.createSchedule(
                Schedule(
                    id: ScheduleID(0), name: "Network", expression: cadence.description, profile: services.configuration.scanProfile,
                    nextRunAt: cadence.nextRun(after: Date())))
        }
        let (cookie, _) = try await services.sessions.start(for: user, remember: false, request: request, context: context)
        return Redirect.to("/", cookie: cookie)
    }
}
