import CZlib
import Foundation
import Testing
@testable import OptKit

@Suite struct SampleSourceTests {
    @Test func testDataSetFoldersInNumericOrderWithFingerprint() async throws {
        let model = try exampleModel("mlp_policy")
        let source = try exampleCalibration("mlp_policy", model: model)
        #expect(source.count == 16)
        #expect(!source.isSynthetic)
        let samples = try await collect(source)
        #expect(samples.map(\.name).prefix(3) == ["test_data_set_0", "test_data_set_1", "test_data_set_2"])
        #expect(samples[10].name == "test_data_set_10")
        #expect(samples.allSatisfy { $0.inputs["observation"]?.shape == [1, 64] })
        let fingerprint = try await source.fingerprint()
        #expect(fingerprint.count == 64)
        #expect(try await source.fingerprint() == fingerprint)
        #expect(try await exampleCalibration("cnn_encoder", model: try exampleModel("cnn_encoder")).fingerprint() != fingerprint)
        // A single test_data_set folder works too, with its expected outputs.
        let single = try TestDataSetSource(url: repositoryRoot.appendingPathComponent("Examples/mlp_policy/test_data_set_0"))
        let sample = try #require(try await collect(single).first)
        #expect(sample.expectedOutputs?["action"]?.shape == [1, 7])
    }

    @Test func missingFolderIsNotFound() throws {
        #expect(throws: InputError.self) { try TestDataSetSource(url: URL(fileURLWithPath: "/nonexistent/calibration")) }
    }

    let inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(4)]))]

    @Test func npyStackOfBatchesAndStackOfInputs() async throws {
        let folder = try TemporaryDirectory()
        let values = (0..<12).map(Float.init)
        let rows = folder.url.appendingPathComponent("rows.npy")
        try npy(values, shape: [3, 4]).write(to: rows)
        let samples = try await collect(try NumpySampleSource(url: rows, inputs: inputs))
        #expect(samples.count == 3)
        #expect(samples[1].inputs["x"]?.shape == [1, 4])
        #expect(samples[1].inputs["x"]?.elements(Float.self) == [4, 5, 6, 7])

        let stacked = folder.url.appendingPathComponent("stacked.npy")
        try npy(values, shape: [2, 1, 6]).write(to: stacked)
        // Rank fits, dims do not: the source splits it, a pass's validation refuses the shape.
        #expect(try NumpySampleSource(url: stacked, inputs: inputs).count == 2)
        try npy(values, shape: [3, 1, 4]).write(to: stacked)
        let stackedSamples = try await collect(try NumpySampleSource(url: stacked, inputs: inputs))
        #expect(stackedSamples.count == 3)
        #expect(stackedSamples[2].inputs["x"]?.elements(Float.self) == [8, 9, 10, 11])
    }

    @Test(arguments: [false, true])
    func npzWithOneArrayPerInput(compressed: Bool) async throws {
        let folder = try TemporaryDirectory()
        let twoInputs = inputs + [ValueInfo(name: "mask", type: TensorType(dataType: .int64, shape: [.symbolic("batch"), .fixed(2)]))]
        let url = folder.url.appendingPathComponent("data.npz")
        try zip([
            ("x.npy", npy((0..<20).map(Float.init), shape: [5, 4])),
            ("mask.npy", npy((0..<10).map(Int64.init), shape: [5, 2], descr: "<i8")),
        ], compressed: compressed).write(to: url)
        let source = try NumpySampleSource(url: url, inputs: twoInputs)
        #expect(source.count == 5)
        let samples = try await collect(source)
        #expect(samples.count == 5)
        #expect(samples[4].inputs["x"]?.elements(Float.self) == [16, 17, 18, 19])
        #expect(samples[4].inputs["mask"]?.elements(Int64.self) == [8, 9])
        #expect(try await source.fingerprint().count == 64)
    }

    @Test func numpyProblemsNameTheFileAndArray() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("bad.npz")
        try zip([("y.npy", npy([1, 2, 3, 4], shape: [1, 4]))], compressed: false).write(to: url)
        #expect { try NumpySampleSource(url: url, inputs: inputs) } throws: { error in
            (error as? InputError)?.message.contains("array 'y'") == true
        }
        let bigEndian = folder.url.appendingPathComponent("be.npy")
        try npy([1, 2, 3, 4], shape: [1, 4], descr: ">f4").write(to: bigEndian)
        #expect { try NumpySampleSource(url: bigEndian, inputs: inputs) } throws: { error in
            (error as? InputError)?.message.contains("big-endian") == true
        }
        let lying = folder.url.appendingPathComponent("lying.npy")
        try npy([1, 2, 3, 4], shape: [1_000_000, 1_000_000]).write(to: lying)
        #expect { try NumpySampleSource(url: lying, inputs: inputs) } throws: { error in
            (error as? InputError)?.message.contains("more data than the file holds") == true
        }
    }

    @Test func syntheticSamplesAreDeterministicAndFollowDeclaredShapes() async throws {
        let model = try exampleModel("cnn_encoder")
        let source = try SyntheticSampleSource(inputs: model.graph.inputs, count: 3)
        #expect(source.isSynthetic)
        let first = try await collect(source)
        let second = try await collect(source)
        #expect(first.count == 3)
        #expect(first[0].inputs["image"]?.shape == [1, 3, 96, 96])
        #expect(first[1].inputs["image"]?.elements(Float.self) == second[1].inputs["image"]?.elements(Float.self))
        #expect(first[0].inputs["image"]?.elements(Float.self) != first[1].inputs["image"]?.elements(Float.self))
        #expect(first[0].inputs["image"]!.elements(Float.self).allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(try await source.fingerprint() == (try await source.fingerprint()))
    }
}

// MARK: - Writing numpy files by hand

func npy<T>(_ values: [T], shape: [Int], descr: String? = nil) -> Data {
    let type = descr ?? (T.self == Float.self ? "<f4" : "<f8")
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    var header = "{'descr': '\(type)', 'fortran_order': False, 'shape': (\(dims)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    data.append(contentsOf: [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
    data.append(Data(header.utf8))
    values.withUnsafeBytes { data.append(contentsOf: $0) }
    return data
}

/// A zip archive of `members`, stored or raw-deflated (what numpy.savez / savez_compressed write).
func zip(_ members: [(String, Data)], compressed: Bool) throws -> Data {
    func le(_ value: Int, _ width: Int) -> [UInt8] { (0..<width).map { UInt8((value >> (8 * $0)) & 0xff) } }
    var archive = Data()
    var directory = Data()
    for (name, content) in members {
        let payload = compressed ? try deflateRaw(content) : content
        let offset = archive.count
        let method = compressed ? 8 : 0
        let crc = content.withUnsafeBytes { Int(crc32(0, $0.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt($0.count))) }
        let common = le(20, 2) + le(0, 2) + le(method, 2) + le(0, 2) + le(0, 2) + le(crc, 4) + le(payload.count, 4) + le(content.count, 4) + le(name.utf8.count, 2) + le(0, 2)
        archive.append(contentsOf: le(0x0403_4b50, 4) + common)
        archive.append(Data(name.utf8))
        archive.append(payload)
        directory.append(contentsOf: le(0x0201_4b50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4))
        directory.append(Data(name.utf8))
    }
    let directoryOffset = archive.count
    archive.append(directory)
    archive.append(contentsOf: le(0x0605_4b50, 4) + le(0, 2) + le(0, 2) + le(members.count, 2) + le(members.count, 2) + le(directory.count, 4) + le(directoryOffset, 4) + le(0, 2))
    return archive
}

private func deflateRaw(_ data: Data) throws -> Data {
    var stream = z_stream()
    guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw InputError(kind: .internal, message: "deflateInit2 failed")
    }
    defer { deflateEnd(&stream) }
    var input = [UInt8](data)
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
    let status = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = uInt(outBuffer.count)
            return deflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { throw InputError(kind: .internal, message: "deflate failed (\(status))") }
    return Data(output.prefix(Int(stream.total_out)))
}
