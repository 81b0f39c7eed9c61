import Hummingbird
import OptKit

/// OptServe: the HTTP server behind `optctl serve` (REST API, Socket.IO). Its routes arrive
/// with the serve and real-time issues; this file only marks the module's dependencies.
enum OptServe {}
