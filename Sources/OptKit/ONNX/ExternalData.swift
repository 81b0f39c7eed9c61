import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one tensor's bytes live outside the model file, as the tensor's `external_data`
/// entries say: a path relative to the model's folder, an offset and a length.
struct ExternalDataReference: Equatable, Sendable {
    var location: String
    var offset: Int
    /// nil: from `offset` to the end of the file.
    var length: Int?

    init(location: String, offset: Int = 0, length: Int? = nil) {
        self.location = location
        self.offset = offset
        self.length = length
    }

    /// Parses the `external_data` key/value entries of `tensor`.
    init(entries: [Onnx_StringStringEntryProto], tensor: String) throws(ModelError) {
        var location: String?
        var offset = 0
        var length: Int?
        for entry in entries {
            switch entry.key {
            case "location": location = entry.value
            case "offset":
                guard let v = Int(entry.value), v >= 0 else {
                    throw .externalData(tensor: tensor, location: location ?? "", reason: "offset '\(entry.value)' is not a byte count")
                }
                offset = v
            case "length":
                guard let v = Int(entry.value), v >= 0 else {
                    throw .externalData(tensor: tensor, location: location ?? "", reason: "length '\(entry.value)' is not a byte count")
                }
                length = v
            default: continue  // "checksum" and keys from newer ONNX versions carry no location
            }
        }
        guard let location, !location.isEmpty else {
            throw .externalData(tensor: tensor, location: "", reason: "no location given")
        }
        self.init(location: location, offset: offset, length: length)
    }

    var entries: [Onnx_StringStringEntryProto] {
        var result = [entry("location", location), entry("offset", String(offset))]
        if let length { result.append(entry("length", String(length))) }
        return result
    }

    private func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }
}

/// Reads external tensor data for one model load. Keeps each data file open while the model is
/// decoded, checks that every location stays inside the model's folder (no absolute path, no
/// `..`, no symbolic link pointing out), and checks offset and length against the file's real
/// size before anything is allocated, so a 100-byte model cannot ask for gigabytes.
final class ExternalDataReader {
    let baseDirectory: URL?
    private var files: [String: OpenFile] = [:]

    private struct OpenFile {
        let descriptor: Int32
        let size: Int
    }

    init(baseDirectory: URL?) {
        self.baseDirectory = baseDirectory
    }

    deinit {
        for file in files.values { close(file.descriptor) }
    }

    /// Size in bytes of every external file read, by location.
    var fileSizes: [String: Int] { files.mapValues(\.size) }

    /// Validates `reference` for a tensor of `expectedBytes` bytes (nil when the element type's
    /// size is unknown) and returns the byte range it designates, once the file is open.
    func range(of reference: ExternalDataReference, tensor: String, expectedBytes: Int?) throws(ModelError) -> (file: Int32, offset: Int, length: Int) {
        let file = try openFile(reference.location, tensor: tensor)
        let fail = { (reason: String) in ModelError.externalData(tensor: tensor, location: reference.location, reason: reason) }
        guard reference.offset <= file.size else {
            throw fail("offset \(reference.offset) is past the end of the file (\(file.size) bytes)")
        }
        let length = reference.length ?? (file.size - reference.offset)
        guard length <= file.size - reference.offset else {
            throw fail("offset \(reference.offset) + length \(length) is past the end of the file (\(file.size) bytes)")
        }
        if let expectedBytes, length != expectedBytes {
            throw fail("holds \(length) bytes but the tensor's dims need \(expectedBytes)")
        }
        return (file.descriptor, reference.offset, length)
    }

    /// Reads the referenced bytes into `destination`, which has room for `length` bytes.
    func read(into destination: UnsafeMutableRawPointer, file: Int32, offset: Int, length: Int, tensor: String, location: String) throws(ModelError) {
        var done = 0
        while done < length {
            let n = pread(file, destination + done, length - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw .externalData(tensor: tensor, location: location, reason: n == 0 ? "the file ended early" : String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// The referenced bytes as `Data` (for tensors kept as protobuf).
    func readData(_ reference: ExternalDataReference, tensor: String) throws(ModelError) -> Data {
        let (file, offset, length) = try range(of: reference, tensor: tensor, expectedBytes: nil)
        var data = Data(count: length)
        var failure: ModelError?
        data.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            do throws(ModelError) {
                try read(into: base, file: file, offset: offset, length: length, tensor: tensor, location: reference.location)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return data
    }

    private func openFile(_ location: String, tensor: String) throws(ModelError) -> OpenFile {
        if let file = files[location] { return file }
        let fail = { (reason: String) in ModelError.externalData(tensor: tensor, location: location, reason: reason) }
        guard let baseDirectory else {
            throw fail("the model was read from memory, so there is no folder to look in")
        }
        if location.hasPrefix("/") || location.hasPrefix("\\") || Self.hasDriveLetter(location) {
            throw fail("an absolute path is not allowed; external data must be inside the model's folder")
        }
        let components = location.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if components.contains("..") {
            throw fail("'..' is not allowed; external data must be inside the model's folder")
        }
        let path = baseDirectory.appendingPathComponent(location).path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw fail(errno == ENOENT ? "file not found" : String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw fail("not a regular file") }
        // A symbolic link inside the folder may still point outside it.
        guard let realBase = Self.realPath(baseDirectory.path), let realFile = Self.realPath(path),
              realFile.hasPrefix(realBase.hasSuffix("/") ? realBase : realBase + "/")
        else {
            throw fail("resolves to a file outside the model's folder")
        }
        let descriptor = open(realFile, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail(String(cString: strerror(errno))) }
        let file = OpenFile(descriptor: descriptor, size: Int(info.st_size))
        files[location] = file
        return file
    }

    /// `C:\weights.bin`: a Windows absolute path, written by a model exported on Windows.
    static func hasDriveLetter(_ location: String) -> Bool {
        let chars = Array(location.prefix(2))
        return chars.count == 2 && chars[0].isLetter && chars[1] == ":"
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
