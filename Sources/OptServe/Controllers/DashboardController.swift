import Hummingbird
import OptKit

/// GET /dashboard/stats: exactly what `optctl stats --json` prints, from the same
/// `Platform.dashboardStats()`; partial figures with `warnings` when a source fails.
struct DashboardController {
    let platform: Platform

    var routes: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("stats", use: stats)
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireIdentity()
        try QueryParameters.rejectAny(request)
        return try JSONResponse.make(await platform.dashboardStats())
    }
}
