import Hummingbird
import OptKit

/// GET /dashboard/stats: exactly what `optctl stats --json` prints, from the same
/// `Platform.dashboardStats()`; partial figures with `warnings` when a source fails. The
/// figures are kept while the store is unchanged (`StoreReadCache`).
struct DashboardController {
    let platform: Platform
    let cache: StoreReadCache

    var routes: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("stats", use: stats)
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireIdentity()
        try QueryParameters.rejectAny(request)
        let stats = await cache.stats { await platform.dashboardStats() }
        return JSONResponse.make(bytes: try stats.jsonBytes())
    }
}
