import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import OptKit
import OptServe

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the REST API (and the dashboard's real-time channel) over HTTP.",
        discussion: """
            Serves the sessions, models, criteria and statistics of the home folder, the same \
            store the other commands use, so sessions run by `optctl run` elsewhere show up here \
            too. The API is described at /openapi.json and /docs (docs/api.md). Settings come \
            from the profile (dev, staging, prod), then OPTCTL_* environment variables, then \
            these options; they are checked at start-up and every problem is reported at once. \
            Sign-in needs a user: optctl users add NAME --role admin. Stops cleanly on SIGINT or SIGTERM.
            """)

    @Option(help: ArgumentHelp("Address to listen on (default 127.0.0.1, or $OPTCTL_HOST).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one (default 8000, or $OPTCTL_PORT).", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("dev, staging or prod (default dev, or $OPTCTL_PROFILE).", valueName: "profile"))
    var profile: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = Output(json: global.json, quiet: global.quiet)
        let environment = ProcessInfo.processInfo.environment
        do {
            let settings = try ServerSettings.resolve(environment: environment, profile: profile, host: host, port: port)
            let platformConfiguration = global.configuration
            let platform = try Platform(configuration: platformConfiguration)
            let (secret, source) = try JWTSecret.load(settings: settings, home: platformConfiguration.home)
            if case .file(let path, true) = source {
                Console.error("optctl serve: created the token signing secret \(path) (mode 0600); keep it to keep tokens valid across restarts")
            }
            if try await platform.users.count() == 0 {
                Console.error("""
                    optctl serve: there are no users yet, so nobody can sign in. Create the first admin with:
                      optctl users add NAME --role admin --home \(platformConfiguration.home.path)
                    """)
            }

            let level = environment["OPTCTL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            var logger = Logger(label: "optctl.serve")
            logger.logLevel = level
            // The access log has a line per request: it is written in batches, not a write per line.
            let accessLog = BufferedLogOutput()
            var accessLogger = Logger(label: "optctl.access") { label in
                StreamLogHandler(label: label, stream: accessLog.stream, metadataProvider: nil)
            }
            accessLogger.logLevel = level
            // Sessions left pending or running by a process that died are failed as interrupted,
            // as every optctl command does when it opens the store.
            await platform.recoverAbandonedSessions(logger: logger)
            let runner = OptKitSessionRunner(platform: platform, holder: .current, logger: logger)
            var configuration = ServerConfiguration(
                platform: platform, settings: settings, secret: secret, runner: runner,
                logger: logger, accessLogger: accessLogger)
            configuration.accessLogOutput = accessLog
            let app = try await buildApplication(configuration) { channel in
                let port = channel.localAddress?.port ?? settings.port
                // Scripts and tests wait for this line to know the server is ready and where.
                Console.out("optctl serve: listening on http://\(settings.host):\(port) (profile \(settings.profile.rawValue), home \(platformConfiguration.home.path))")
            }
            defer { accessLog.flush() }
            try await app.runService()
        } catch {
            throw output.report(error)
        }
    }
}
