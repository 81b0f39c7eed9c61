import Foundation

/// The members of a zip archive (a `.npz` file), read from its central directory. Only what an
/// `.npz` needs: stored or deflated members, Zip64 sizes and offsets.
struct ZipDirectory {
    struct Member {
        var name: String
        /// 0 stored, 8 deflated.
        var method: Int
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    let path: String
    let members: [Member]

    init(path: String) throws(InputError) {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(kind: .io, message: "\(path): cannot be opened")
        }
        defer { try? handle.close() }
        let fileSize: Int
        let tail: Data
        do {
            fileSize = Int(try handle.seekToEnd())
            let tailLength = min(fileSize, 65_557)
            try handle.seek(toOffset: UInt64(fileSize - tailLength))
            tail = try handle.read(upToCount: tailLength) ?? Data()
        } catch {
            throw InputError(kind: .io, message: "\(path): read failed (\(error.localizedDescription))")
        }
        let bytes = [UInt8](tail)
        guard let end = Self.lastIndex(of: 0x0605_4b50, in: bytes), end + 22 <= bytes.count else {
            throw InputError(kind: .malformedInput, message: "\(path): not a zip archive (.npz files are zip archives)")
        }
        var entryCount = Self.integer(bytes, end + 10, 2)
        var directorySize = Self.integer(bytes, end + 12, 4)
        var directoryOffset = Self.integer(bytes, end + 16, 4)
        // Zip64: the end-of-directory locator precedes the record and points to the Zip64 record.
        if (directoryOffset == 0xffff_ffff || entryCount == 0xffff), let locator = Self.lastIndex(of: 0x0706_4b50, in: Array(bytes[..<end])) {
            let recordOffset = Self.integer(bytes, locator + 8, 8)
            let record: [UInt8]
            do {
                try handle.seek(toOffset: UInt64(recordOffset))
                record = [UInt8](try handle.read(upToCount: 56) ?? Data())
            } catch {
                throw InputError(kind: .io, message: "\(path): read failed (\(error.localizedDescription))")
            }
            guard record.count == 56, Self.integer(record, 0, 4) == 0x0606_4b50 else {
                throw InputError(kind: .malformedInput, message: "\(path): broken Zip64 directory record")
            }
            entryCount = Self.integer(record, 32, 8)
            directorySize = Self.integer(record, 40, 8)
            directoryOffset = Self.integer(record, 48, 8)
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset + directorySize <= fileSize, entryCount < 1 << 20 else {
            throw InputError(kind: .malformedInput, message: "\(path): zip directory outside the file")
        }
        let directory: [UInt8]
        do {
            try handle.seek(toOffset: UInt64(directoryOffset))
            directory = [UInt8](try handle.read(upToCount: directorySize) ?? Data())
        } catch {
            throw InputError(kind: .io, message: "\(path): read failed (\(error.localizedDescription))")
        }
        var members: [Member] = []
        var at = 0
        for _ in 0..<entryCount {
            guard at + 46 <= directory.count, Self.integer(directory, at, 4) == 0x0201_4b50 else {
                throw InputError(kind: .malformedInput, message: "\(path): broken zip directory entry")
            }
            let nameLength = Self.integer(directory, at + 28, 2)
            let extraLength = Self.integer(directory, at + 30, 2)
            let commentLength = Self.integer(directory, at + 32, 2)
            guard at + 46 + nameLength + extraLength <= directory.count else {
                throw InputError(kind: .malformedInput, message: "\(path): broken zip directory entry")
            }
            var member = Member(
                name: String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self),
                method: Self.integer(directory, at + 10, 2),
                compressedSize: Self.integer(directory, at + 20, 4),
                size: Self.integer(directory, at + 24, 4),
                localHeaderOffset: Self.integer(directory, at + 42, 4))
            Self.applyZip64(Array(directory[(at + 46 + nameLength)..<(at + 46 + nameLength + extraLength)]), to: &member)
            members.append(member)
            at += 46 + nameLength + extraLength + commentLength
        }
        self.members = members
    }

    /// A reader of one member's uncompressed bytes.
    func reader(for member: Member) throws(InputError) -> any ByteReader {
        let source = "\(path) (\(member.name))"
        let header = try FileRangeReader(path: path, offset: member.localHeaderOffset, length: 30)
        let local = [UInt8](try header.read(30))
        guard Self.integer(local, 0, 4) == 0x0403_4b50 else {
            throw InputError(kind: .malformedInput, message: "\(source): broken zip member header")
        }
        let dataOffset = member.localHeaderOffset + 30 + Self.integer(local, 26, 2) + Self.integer(local, 28, 2)
        let raw = try FileRangeReader(path: path, offset: dataOffset, length: member.compressedSize)
        switch member.method {
        case 0: return raw
        case 8: return try InflateReader(source: raw, compressedLength: member.compressedSize, name: source)
        default:
            throw InputError(kind: .malformedInput, message: "\(source): zip compression method \(member.method) is not supported (stored and deflate are)")
        }
    }

    /// Zip64 extended information (extra field 0x0001) replaces the 32-bit fields that hold 0xffffffff.
    private static func applyZip64(_ extra: [UInt8], to member: inout Member) {
        var at = 0
        while at + 4 <= extra.count {
            let id = integer(extra, at, 2)
            let length = integer(extra, at + 2, 2)
            if id == 1 {
                var field = at + 4
                if member.size == 0xffff_ffff, field + 8 <= extra.count { member.size = integer(extra, field, 8); field += 8 }
                if member.compressedSize == 0xffff_ffff, field + 8 <= extra.count { member.compressedSize = integer(extra, field, 8); field += 8 }
                if member.localHeaderOffset == 0xffff_ffff, field + 8 <= extra.count { member.localHeaderOffset = integer(extra, field, 8) }
            }
            at += 4 + length
        }
    }

    private static func lastIndex(of signature: Int, in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return stride(from: bytes.count - 4, through: 0, by: -1).first { integer(bytes, $0, 4) == signature }
    }

    /// A little-endian unsigned integer of `width` bytes (values past Int.max are clamped so
    /// that later range checks refuse them).
    private static func integer(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int {
        guard at >= 0, at + width <= bytes.count else { return -1 }
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + index]) }
        return value > UInt64(Int.max) ? Int.max : Int(value)
    }
}
