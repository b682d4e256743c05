//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Hummingbird

/// Two completed scans compared: the changes from the earlier to the later.
struct ComparePage: WebPage {
    /// The compare page's values.
    struct View: PageView {
        /// The template.
        static let template = "compare"
        /// The layout's values.
        var frame: PageFrame
        /// The scans to choose as the earlier one.
        var earlier: [Option]
        /// The scans to choose as the later one.
        var later: [Option]
        /// Whether two different scans were compared.
        var compared = false
        /// How many changes there are between them.
        var summary = ""
        /// Whether there are any.
        var hasChanges = false
        /// The changes.
        var changes: [ChangeRow] = []
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/compare", use: show)
    }

    /// The chosen scans (by default the latest two) and their changes.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let scans = try await services.store.scans(ScanQuery(status: .completed, limit: 100)).items
        let later = request.queryText("scan1").flatMap(Int64.init) ?? scans.first?.id.rawValue
        let earlier = request.queryText("scan2").flatMap(Int64.init) ?? scans.dropFirst().first?.id.rawValue
        /// The completed scans as options, `selected` chosen.
        func options(_ selected: Int64?) -> [Option] {
            scans.map {
                Option(
                    value: "\($0.id.rawValue)", label: "Scan \($0.id) · \(WebDate.text($0.finishedAt)) · \($0.targets.joined(separator: ", "))",
                    selected: $0.id.rawValue == selected)
            }
        }
        var view = View(frame: PageFrame(context, nav: .compare), earlier: options(earlier), later: options(later))
        if let later, let earlier, later != earlier {
            let now = try await services.store.observations(in: ScanID(later))
            let before = try await services.store.observations(in: ScanID(earlier))
            let changes = ChangeDetector().changes(
                from: before.map(DeviceSnapshot.init(observation:)), to: now.map(DeviceSnapshot.init(observation:)), coversAllPrevious: true)
            view.compared = true
            view.summary = "\(changes.count) changes from scan \(earlier) to scan \(later)."
            view.hasChanges = !changes.isEmpty
            view.changes = changes.map { change in
                var deviceID: Int64?
                if case .known(let id)? = change.device { deviceID = id.rawValue }
                return ChangeRow(severity: change.severity.rawValue, description: change.description, deviceID: deviceID)
            }
        }
        return pages.render(view)
    }
}
