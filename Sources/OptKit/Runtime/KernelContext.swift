import Dispatch

/// What a running kernel may use: output allocation (so the executor can recycle buffers by
/// liveness) and the configured number of threads.
public final class KernelContext: @unchecked Sendable {
    public let threadCount: Int

    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
    }

    /// A tensor for a kernel output. Its contents are undefined: the kernel writes every element.
    public func allocate(_ dataType: DataType, _ shape: [Int]) -> Tensor {
        Tensor(dataType: dataType, shape: shape)
    }

    /// Runs `body` over `0..<count` split into at most `threadCount` contiguous chunks of at least
    /// `minChunk` items; inline when one chunk suffices.
    public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        let chunks = min(threadCount, max(1, count / max(1, minChunk)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
    }
}
