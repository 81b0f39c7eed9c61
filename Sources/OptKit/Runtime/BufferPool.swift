/// Storage of dead intermediate values, reused for later outputs so a steady stream of runs
/// allocates nothing, plus the accounting behind `Executor.peakWorkingBytes`.
///
/// Buffers are matched best-fit within a factor of two of the request, so a chain of layers
/// whose activations shrink can reuse the larger buffers of earlier layers.
final class BufferPool {
    /// Free buffers, sorted by byte count.
    private var free: [TensorStorage] = []
    /// Bytes of storages handed out by `take` and not yet given back.
    private(set) var liveBytes = 0
    private(set) var peakLiveBytes = 0

    /// Free buffers are dropped beyond this many (a model with many distinct sizes).
    private static let maxFreeBuffers = 64

    func take(byteCount: Int) -> TensorStorage {
        var storage: TensorStorage
        if let index = bestFit(byteCount) {
            storage = free.remove(at: index)
        } else {
            storage = TensorStorage(uninitializedByteCount: byteCount)
        }
        storage.isPooled = true
        liveBytes += storage.byteCount
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        return storage
    }

    /// Takes back a storage that `take` handed out, when nothing else references it; otherwise
    /// leaves it to whoever still does (a view, a graph output) and reports false.
    @discardableResult
    func giveBack(_ storage: inout TensorStorage) -> Bool {
        guard storage.isPooled, isKnownUniquelyReferenced(&storage) else { return false }
        storage.isPooled = false
        liveBytes -= storage.byteCount
        let index = free.firstIndex { $0.byteCount >= storage.byteCount } ?? free.count
        free.insert(storage, at: index)
        if free.count > Self.maxFreeBuffers { free.removeFirst() }
        return true
    }

    /// Starts the accounting of a new run: the previous run's outputs have left the executor
    /// and its intermediates are dead, so nothing taken is live any more.
    func beginRun() {
        liveBytes = 0
        peakLiveBytes = 0
    }

    private func bestFit(_ byteCount: Int) -> Int? {
        guard let index = free.firstIndex(where: { $0.byteCount >= byteCount }) else { return nil }
        return free[index].byteCount <= max(2 * byteCount, 4096) ? index : nil
    }
}
