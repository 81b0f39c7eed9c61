import ArgumentParser
import Foundation
import OptKit
import OptServe

struct UsersAddCommand: PlatformCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a user who can sign in to optctl serve.",
        discussion: """
            The password is asked twice without echo on a terminal. Scripts pipe it on stdin \
            (one line), or pass --password-stdin to read stdin even from a terminal. At least \
            \(Passwords.minimumLength) characters, at most \(Passwords.maximumBytes) bytes.
            """)

    @Argument(help: ArgumentHelp("The user name (letters, digits, '.', '_', '-').", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The user's role: admin, engineer or viewer.", valueName: "role"))
    var role: UserRole

    @Flag(help: "Read the password from standard input (one line) instead of prompting.")
    var passwordStdin = false

    @OptionGroup var global: GlobalOptions

    func execute(platform: Platform, output: Output) async throws {
        try UserAccount.validateName(name)
        if try await platform.users.user(named: name) != nil { throw UserExists(name: name) }
        let password = try PasswordInput.read(for: name, forceStdin: passwordStdin)
        try Passwords.validate(password)
        let hash = try await Passwords().hash(password)
        let user = UserAccount(name: name, role: role, passwordHash: hash, createdAt: Timestamp.now())
        try await platform.users.add(user)
        if output.json {
            output.printJSON(user)
        } else if output.quiet {
            output.line(user.name)
        } else {
            output.line("Added \(user.role.rawValue) \(user.name). They sign in with POST /auth/token.")
        }
    }
}

/// Reads a password: from a terminal without echo (asked twice), otherwise one line of stdin.
enum PasswordInput {
    static func read(for name: String, forceStdin: Bool) throws -> String {
        if forceStdin || isatty(STDIN_FILENO) == 0 {
            guard let line = readLine(strippingNewline: true) else {
                throw InvalidRequest([FieldProblem(field: "password", value: nil, message: "is required on standard input (one line)")])
            }
            return line
        }
        let first = try prompt("Password for \(name): ")
        let second = try prompt("Repeat the password: ")
        guard first == second else {
            throw InvalidRequest([FieldProblem(field: "password", value: nil, message: "the two entries differ")])
        }
        return first
    }

    /// Turns terminal echo off while the line is typed, and always back on.
    private static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw InputError(kind: .io, message: "cannot read the terminal's settings to hide the password")
        }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else {
            throw InvalidRequest([FieldProblem(field: "password", value: nil, message: "is required")])
        }
        return line
    }
}
