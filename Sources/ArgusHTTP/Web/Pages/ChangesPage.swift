//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Hummingbird

/// The changes: filtered by severity and state, acknowledged by ticking them.
struct ChangesPage: WebPage {
    /// The changes page's values.
    struct View: PageView {
        /// The template.
        static let template = "changes"
        /// The layout's values.
        var frame: PageFrame
        /// The changes found.
        var changes: [ChangeRow]
        /// Whether any were.
        var hasChanges: Bool
        /// The severity filter's options.
        var severities: [Option]
        /// Whether only new changes are shown.
        var onlyNew: Bool
        /// Whether only acknowledged ones are.
        var onlyAcknowledged: Bool
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/changes", use: show)
        routes.pages.post("/changes/acknowledge", use: acknowledge)
    }

    /// The changes matching the query's filters (at most 200).
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        var query = ChangeQuery(limit: 200)
        let severity = request.queryText("severity")
        query.minimumSeverity = severity.flatMap(Severity.init)
        query.acknowledged = try? request.queryBool("acknowledged")
        let frame = PageFrame(context, nav: .changes, flash: request.queryText("acknowledged_count").map { "\($0) changes acknowledged." })
        let found = try await services.store.changes(query).items
        return pages.render(
            View(
                frame: frame, changes: found.map(ChangeRow.init), hasChanges: !found.isEmpty,
                severities: Option.list(Severity.allCases.map(\.rawValue), selected: severity), onlyNew: query.acknowledged == false,
                onlyAcknowledged: query.acknowledged == true))
    }

    /// Acknowledges the ticked changes, withdrawing their waiting alerts.
    @Sendable func acknowledge(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let ids = form.all("ids").compactMap(Int64.init).prefix(10_000).map { ChangeID($0) }
        let (updated, withdrawn) = ids.isEmpty ? (0, 0) : try await services.suppression.acknowledge(Array(ids), acknowledged: true)
        if updated > 0 {
            await services.audit(
                "change_acknowledge", context, request: request,
                details: "\(updated) changes (web)" + (withdrawn > 0 ? ", \(withdrawn) waiting alerts withdrawn" : ""))
        }
        return Redirect.to("/changes?acknowledged_count=\(updated)")
    }
}
