/// What a running kernel may use: output allocation (so the executor can recycle buffers by
/// liveness), scratch memory, and the configured number of threads.
///
/// A context serves one run at a time: `allocate` and `scratch` must be called from the thread
/// that runs the kernel, not from inside a `parallelFor` body.
public final class KernelContext: @unchecked Sendable {
    public let threadCount: Int

    /// Dead intermediate buffers waiting for reuse.
    let pool = BufferPool()
    private let workers: WorkerPool?

    public init(threadCount: Int) {
        self.threadCount = max(1, min(threadCount, WorkerPool.maxChunks))
        workers = self.threadCount > 1 ? WorkerPool.shared(workerCount: self.threadCount - 1) : nil
    }

    /// A tensor for a kernel output, taken from the pool of dead buffers when one fits. Its
    /// contents are undefined: the kernel writes every element.
    public func allocate(_ dataType: DataType, _ shape: [Int]) -> Tensor {
        let byteCount = shape.reduce(1, *) * (dataType.byteSize ?? 0)
        return Tensor(dataType: dataType, shape: shape, storage: pool.take(byteCount: byteCount))
    }

    /// Float scratch memory for the duration of `body` (im2col matrices, packed operands),
    /// returned to the pool afterwards and counted in the working memory while held.
    func withScratch<R, E: Error>(floats count: Int, _ body: (UnsafeMutablePointer<Float>) throws(E) -> R) throws(E) -> R {
        var storage = pool.take(byteCount: count * MemoryLayout<Float>.stride)
        defer { pool.giveBack(&storage) }
        return try body(storage.bytes.assumingMemoryBound(to: Float.self))
    }

    /// Runs `body` over `0..<count` split into at most `threadCount` contiguous chunks of at least
    /// `minChunk` items; inline when one chunk suffices. The body may capture pointers: it runs
    /// only while this call lasts.
    public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(threadCount, max(1, count / max(1, minChunk)))
        guard chunks > 1, let workers else {
            body(0..<count)
            return
        }
        workers.run(chunks: chunks) { chunk in
            body(count * chunk / chunks..<count * (chunk + 1) / chunks)
        }
    }

    /// Like `parallelFor`, also passing the chunk's index (below `threadCount`), so a body can
    /// use per-chunk scratch memory set aside before the call.
    func parallelChunks(_ count: Int, minChunk: Int = 1, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let chunks = min(threadCount, max(1, count / max(1, minChunk)))
        guard chunks > 1, let workers else {
            body(0, 0..<count)
            return
        }
        workers.run(chunks: chunks) { chunk in
            body(chunk, count * chunk / chunks..<count * (chunk + 1) / chunks)
        }
    }
}
