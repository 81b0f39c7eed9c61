import Foundation
import OptKit

/// A folder with one small data file, so external-data references in fuzzed models reach the
/// path checks and the offset/length checks instead of stopping at "no folder".
let externalDataFolder: URL = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("optkit-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let bytes = (0..<4096).map { UInt8(truncatingIfNeeded: $0) }
    try? Data(bytes).write(to: folder.appendingPathComponent("weights.bin"))
    return folder
}()

/// Everything a user's file goes through: load, validation, inference, inspection, save, and
/// loading the saved model again (which must work: a model we wrote is a model we read).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    if let model = try? Model(serializedData: data, baseDirectory: externalDataFolder) {
        _ = model.validate()
        var inferred = model
        _ = inferred.inferShapes()
        _ = ModelInspector.report(for: model, path: "fuzz.onnx", modelFileBytes: count)
        if let saved = try? inferred.serializedData() {
            do {
                _ = try Model(serializedData: saved, baseDirectory: externalDataFolder)
            } catch {
                fatalError("a model we saved does not load back: \(error)")
            }
        }
    }
    _ = try? TensorFile.decode(data, baseDirectory: externalDataFolder)
    return 0
}
