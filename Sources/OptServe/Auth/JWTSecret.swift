import Crypto
import Foundation
import OptKit

/// The HS256 signing secret: from OPTCTL_JWT_SECRET, else from a file readable by its owner
/// only. In dev and staging the file (`jwt-secret` in the home folder unless
/// OPTCTL_JWT_SECRET_FILE names another) is created with 32 random bytes on first start; prod
/// never creates one, so a misconfigured deployment fails at start-up instead of signing with a
/// secret nobody backs up.
public enum JWTSecret {
    public static let minimumLength = 32
    public static let defaultFileName = "jwt-secret"

    public enum Source: Equatable, Sendable {
        case environment
        case file(path: String, created: Bool)
    }

    public static func load(settings: ServerSettings, home: URL) throws(SecretFailure) -> (secret: [UInt8], source: Source) {
        if let secret = settings.jwtSecret { return (Array(secret.utf8), .environment) }
        let path = settings.jwtSecretFile ?? home.appendingPathComponent(defaultFileName).path
        let mayCreate = settings.profile != .prod
        if !FileManager.default.fileExists(atPath: path) {
            guard mayCreate else {
                throw SecretFailure(message: "the secret file \(path) does not exist; the prod profile never creates one (umask 077; openssl rand -hex 32 > \(path))")
            }
            if try create(at: path) { return (try read(path), .file(path: path, created: true)) }
        }
        return (try read(path), .file(path: path, created: false))
    }

    /// Creates the file with O_EXCL and mode 0600; false when another server created it first.
    static func create(at path: String) throws(SecretFailure) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return false }
            throw SecretFailure(message: "cannot create the secret file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let key = SymmetricKey(size: .bits256)
        let hex = key.withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() } + "\n"
        let written = hex.utf8CString.withUnsafeBufferPointer { buffer in
            write(descriptor, buffer.baseAddress, buffer.count - 1)
        }
        guard written == hex.utf8.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw SecretFailure(message: "cannot write the secret file \(path): \(String(cString: strerror(errno)))")
        }
        return true
    }

    /// Reads the secret, refusing a file that anyone but its owner can read or write (as ssh
    /// refuses a private key with loose permissions).
    static func read(_ path: String) throws(SecretFailure) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SecretFailure(message: "cannot read the secret file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SecretFailure(message: "the secret file \(path) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw SecretFailure(message: "the secret file \(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretFailure(message: "cannot read the secret file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= minimumLength else {
            throw SecretFailure(message: "the secret in \(path) is shorter than \(minimumLength) characters")
        }
        return Array(text.utf8)
    }
}

/// The token secret cannot be had: the server refuses to start.
public struct SecretFailure: UserFacingError, Equatable {
    public let message: String
    public var kind: ErrorKind { .validation }
}
