import Foundation

/// Unbuffered writes to standard output and error, so output interleaves correctly with a
/// child process or readline, and nothing is lost when the process exits with a code.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
