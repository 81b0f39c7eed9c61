import Crypto
import Foundation

/// Samples from a `.npy` array (a model with one input) or a `.npz` archive with one array per
/// input name (as `numpy.savez(path, observation=…)` writes, compressed or not).
///
/// The first axis of each array enumerates samples. An array of the input's own rank is a
/// stack of batches along the batch axis (each sample takes the declared batch size, 1 when the
/// batch dim is symbolic); an array of one rank more holds one input tensor per entry. Arrays
/// are read one sample at a time from the file (or the inflating stream), never whole.
public struct NumpySampleSource: SampleSource {
    struct ArrayLayout: Sendable {
        var input: String
        /// The .npz member name, nil for a .npy file.
        var member: String?
        var dataType: DataType
        var sampleShape: [Int]
    }

    public let url: URL
    let arrays: [ArrayLayout]
    public let count: Int?

    /// Reads the array headers (not the data) and matches them to `inputs`, the model's graph
    /// inputs. Errors name the file, the array and the input.
    public init(url: URL, inputs: [ValueInfo]) throws(InputError) {
        self.url = url
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(kind: .notFound, message: "\(path): no such file")
        }
        guard !isDirectory.boolValue else {
            throw InputError(kind: .malformedInput, message: "\(path): is a folder, expected a .npy or .npz file")
        }
        var arrays: [ArrayLayout] = []
        var counts: [(String, Int)] = []
        if url.pathExtension.lowercased() == "npz" {
            let zip = try ZipDirectory(path: path)
            let byName = Dictionary(zip.members.map { (String($0.name.dropLast($0.name.hasSuffix(".npy") ? 4 : 0)), $0) }) { first, _ in first }
            for name in byName.keys.sorted() where !inputs.contains(where: { $0.name == name }) {
                throw InputError(kind: .malformedInput, message: "\(path): array '\(name)' is not an input of the model (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
            }
            for input in inputs {
                guard let member = byName[input.name] else {
                    throw InputError(kind: .malformedInput, message: "\(path): no array for the model's input '\(input.name)'")
                }
                let header = try NumpyHeader.read(from: try zip.reader(for: member), source: "\(path) (\(member.name))")
                // Deflate expands at most 1032:1, so a member's real size is bounded by its compressed size.
                let available = member.method == 0 ? member.size : min(member.size, member.compressedSize.multipliedReportingOverflow(by: 1032).partialValue)
                let (layout, count) = try Self.layout(header, input: input, member: member.name, source: path, available: available)
                arrays.append(layout)
                counts.append((input.name, count))
            }
        } else {
            guard inputs.count == 1, let input = inputs.first else {
                throw InputError(kind: .malformedInput, message: "\(path): a .npy file holds one array but the model has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); use a .npz with one array per input name")
            }
            let size = try Self.fileSize(path)
            let reader = try FileRangeReader(path: path, offset: 0, length: size)
            let header = try NumpyHeader.read(from: reader, source: path)
            let (layout, count) = try Self.layout(header, input: input, member: nil, source: path, available: size)
            arrays.append(layout)
            counts.append((input.name, count))
        }
        if let first = counts.first, let other = counts.first(where: { $0.1 != first.1 }) {
            throw InputError(kind: .malformedInput, message: "\(path): '\(first.0)' has \(first.1) samples but '\(other.0)' has \(other.1)")
        }
        self.arrays = arrays
        count = counts.first?.1 ?? 0
    }

    public var description: String {
        "\(count ?? 0) sample\(count == 1 ? "" : "s") from \(url.path)"
    }

    public var isSynthetic: Bool { false }

    public func fingerprint() async throws -> String {
        var hasher = SHA256()
        let size = try Self.fileSize(url.path)
        let reader = try FileRangeReader(path: url.path, offset: 0, length: size)
        var left = size
        while left > 0 {
            let chunk = try reader.read(min(left, 1 << 20))
            hasher.update(data: chunk)
            left -= chunk.count
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public func samples() -> AsyncThrowingStream<Sample, any Error> {
        struct Cursor {
            var readers: [(any ByteReader)]?
            var index = 0
        }
        let url = self.url
        let arrays = self.arrays
        let total = count ?? 0
        return sampleStream(Cursor()) { cursor in
            guard cursor.index < total else { return nil }
            if cursor.readers == nil {
                cursor.readers = try Self.openReaders(url: url, arrays: arrays)
            }
            var inputs: [String: Tensor] = [:]
            for (array, reader) in zip(arrays, cursor.readers ?? []) {
                let tensor = Tensor(dataType: array.dataType, shape: array.sampleShape)
                let data = try reader.read(tensor.byteCount)
                data.copyBytes(to: tensor.storage.bytes.assumingMemoryBound(to: UInt8.self), count: data.count)
                inputs[array.input] = tensor
            }
            cursor.index += 1
            return Sample(name: "sample \(cursor.index - 1) of \(url.lastPathComponent)", inputs: inputs)
        }
    }

    /// One reader per array, each positioned at its first data byte.
    private static func openReaders(url: URL, arrays: [ArrayLayout]) throws(InputError) -> [any ByteReader] {
        let path = url.path
        var readers: [any ByteReader] = []
        if arrays.first?.member == nil {
            let reader = try FileRangeReader(path: path, offset: 0, length: fileSize(path))
            _ = try NumpyHeader.read(from: reader, source: path)
            return [reader]
        }
        let zip = try ZipDirectory(path: path)
        for array in arrays {
            guard let member = zip.members.first(where: { $0.name == array.member }) else {
                throw InputError(kind: .malformedInput, message: "\(path): member '\(array.member ?? "")' disappeared")
            }
            let reader = try zip.reader(for: member)
            _ = try NumpyHeader.read(from: reader, source: "\(path) (\(member.name))")
            readers.append(reader)
        }
        return readers
    }

    /// How an array splits into samples for `input` (see the type's comment).
    /// `available` bounds the data the array can really hold, so a header claiming a huge shape
    /// is refused before anything is allocated.
    private static func layout(_ header: NumpyHeader, input: ValueInfo, member: String?, source: String, available: Int) throws(InputError) -> (ArrayLayout, Int) {
        let label = member.map { "array '\($0.hasSuffix(".npy") ? String($0.dropLast(4)) : $0)' of \(source)" } ?? source
        guard let first = header.shape.first else {
            throw InputError(kind: .malformedInput, message: "\(label): a scalar; the first axis must enumerate samples")
        }
        let declared = input.type?.shape
        var sampleShape = Array(header.shape.dropFirst())
        var samples = first
        if let declared, header.shape.count == declared.count {
            let batch = declared.first?.value ?? 1
            guard batch > 0, first % batch == 0 else {
                throw InputError(kind: .malformedInput, message: "\(label): \(first) rows do not split into batches of \(batch) for input '\(input.name)'")
            }
            samples = first / batch
            sampleShape = [batch] + sampleShape
        } else if let declared, header.shape.count != declared.count + 1 {
            throw InputError(kind: .malformedInput, message: "\(label): shape \(header.shape) does not fit input '\(input.name)' of rank \(declared.count) (give rank \(declared.count) or \(declared.count + 1))")
        }
        var total = header.dataType.byteSize ?? 1
        for dim in header.shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= available else {
                throw InputError(kind: .malformedInput, message: "\(label): shape \(header.shape) needs more data than the file holds")
            }
            total = product
        }
        return (ArrayLayout(input: input.name, member: member, dataType: header.dataType, sampleShape: sampleShape), samples)
    }

    private static func fileSize(_ path: String) throws(InputError) -> Int {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? Int else {
            throw InputError(kind: .io, message: "\(path): cannot be read")
        }
        return size
    }
}
