import ArgumentParser
import Foundation
import OptKit

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Home folder holding the optctl database.", valueName: "path"))
    var home: String?

    @Option(name: .long, help: ArgumentHelp("Act as this user (default: $OPTCTL_USER, else the login name).", valueName: "name"))
    var user: String?

    @Flag(name: .long, help: "Print machine-readable JSON (docs/json.md).")
    var json = false

    @Flag(name: [.short, .long], help: "Print only what a script needs (ids), no messages.")
    var quiet = false

    var configuration: PlatformConfiguration {
        let environment = ProcessInfo.processInfo.environment
        return PlatformConfiguration(
            home: PlatformConfiguration.resolveHome(explicit: home, environment: environment),
            user: PlatformConfiguration.resolveUser(explicit: user, environment: environment))
    }
}
