import CZlib
import Foundation

/// Sequential reads of a byte range of a file or of a compressed member of an archive, so a
/// large calibration file is read piece by piece instead of loaded whole.
protocol ByteReader: AnyObject {
    /// Exactly `count` bytes, or an error naming `source` when the data ends early.
    func read(_ count: Int) throws(InputError) -> Data
}

/// Bytes `offset ..< offset + length` of a file.
final class FileRangeReader: ByteReader {
    private let handle: FileHandle
    private let path: String
    private var remaining: Int

    init(path: String, offset: Int, length: Int) throws(InputError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(kind: .io, message: "\(path): cannot be opened")
        }
        do {
            try handle.seek(toOffset: UInt64(offset))
        } catch {
            throw InputError(kind: .io, message: "\(path): cannot seek to byte \(offset)")
        }
        self.handle = handle
        self.path = path
        remaining = length
    }

    deinit { try? handle.close() }

    func read(_ count: Int) throws(InputError) -> Data {
        guard count <= remaining else {
            throw InputError(kind: .malformedInput, message: "\(path): data ends \(count - remaining) bytes early")
        }
        let data: Data
        do {
            data = try handle.read(upToCount: count) ?? Data()
        } catch {
            throw InputError(kind: .io, message: "\(path): read failed (\(error.localizedDescription))")
        }
        guard data.count == count else {
            throw InputError(kind: .malformedInput, message: "\(path): the file is shorter than its header says")
        }
        remaining -= count
        return data
    }
}

/// A raw-deflate stream (a zip member written by numpy.savez_compressed), inflated on demand.
final class InflateReader: ByteReader {
    private static let chunkSize = 1 << 16
    private let source: FileRangeReader
    private let name: String
    private var compressedLeft: Int
    private var stream = z_stream()
    /// Compressed bytes handed to zlib; a fixed buffer because zlib keeps pointing into it
    /// between calls.
    private let buffer = UnsafeMutablePointer<Bytef>.allocate(capacity: InflateReader.chunkSize)
    private var ended = false

    init(source: FileRangeReader, compressedLength: Int, name: String) throws(InputError) {
        self.source = source
        self.name = name
        compressedLeft = compressedLength
        // Negative window bits: raw deflate, no zlib header (the zip format's form).
        let status = inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            buffer.deallocate()
            throw InputError(kind: .internal, message: "\(name): zlib cannot start (status \(status))")
        }
    }

    deinit {
        inflateEnd(&stream)
        buffer.deallocate()
    }

    func read(_ count: Int) throws(InputError) -> Data {
        var output = Data(count: count)
        var produced = 0
        while produced < count {
            if ended {
                throw InputError(kind: .malformedInput, message: "\(name): compressed data ends \(count - produced) bytes early")
            }
            if stream.avail_in == 0, compressedLeft > 0 {
                let chunk = try source.read(min(compressedLeft, Self.chunkSize))
                compressedLeft -= chunk.count
                chunk.copyBytes(to: buffer, count: chunk.count)
                stream.next_in = buffer
                stream.avail_in = UInt32(chunk.count)
            }
            let status: Int32 = output.withUnsafeMutableBytes { outBytes in
                stream.next_out = outBytes.baseAddress!.assumingMemoryBound(to: Bytef.self).advanced(by: produced)
                stream.avail_out = UInt32(count - produced)
                let status = inflate(&stream, Z_NO_FLUSH)
                produced = count - Int(stream.avail_out)
                return status
            }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                ended = true
            case Z_BUF_ERROR where compressedLeft > 0 || stream.avail_in > 0:
                continue
            case Z_BUF_ERROR:
                ended = true
            default:
                throw InputError(kind: .malformedInput, message: "\(name): corrupt compressed data (zlib status \(status))")
            }
        }
        return output
    }
}
