import CKernels

/// What happens to each finished tile of a product, applied while it is still in registers:
/// biases, a clamp (a fused Relu or Clip), or accumulation into C's previous contents.
struct GemmEpilogue: Sendable {
    /// One value per row of C (a convolution's bias per output channel), read from
    /// `rowBiasOffset` on (a group's first channel).
    var rowBias: [Float]?
    var rowBiasOffset = 0
    /// One value per column of C (a Gemm's bias vector, a fused Add).
    var columnBias: [Float]?
    var lower: Float = -.infinity
    var upper: Float = .infinity
    /// Add the product to what C already holds instead of overwriting it.
    var accumulate = false
    /// A fused Tanh or GELU, applied after the biases and before the clamp.
    var activation = Activation.none

    enum Activation: Int32, Sendable {
        case none = 0, tanh = 1, gelu = 2
    }

    /// Nothing but biases so far: a further step may still be appended.
    var acceptsMore: Bool { activation == .none && lower == -.infinity && upper == .infinity }

    static let none = GemmEpilogue()

    /// Calls `body` with the C view of this epilogue; the pointers live only during the call.
    func withC<R>(_ body: (inout ck_epilogue) -> R) -> R {
        func withOptional(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
            guard let values else { return body(nil) }
            return values.withUnsafeBufferPointer { body($0.baseAddress) }
        }
        return withOptional(rowBias) { row in
            withOptional(columnBias) { column in
                var c = ck_epilogue(row_bias: row.map { $0 + rowBiasOffset }, col_bias: column, lo: lower, hi: upper, accumulate: accumulate ? 1 : 0, activation: activation.rawValue)
                return body(&c)
            }
        }
    }
}

/// One operand of a product: already packed (weights packed at prepare time), or a strided
/// matrix that `SGEMM.product` packs into scratch memory per call.
enum GemmOperand {
    case packed(UnsafePointer<Float>)
    /// Element (r, c) at `base[r * rowStride + c * columnStride]`.
    case matrix(UnsafePointer<Float>, rowStride: Int, columnStride: Int)
}

/// A matrix packed once in the GEMM panel layout, owned for the life of a prepared kernel.
final class PackedMatrix: @unchecked Sendable {
    let rows: Int
    let columns: Int
    let pointer: UnsafeMutablePointer<Float>
    private let count: Int

    /// Packs `rows x columns` (element (r, c) at `source[r * rowStride + c * columnStride]`) as
    /// the A operand (`asA`) or as the B operand.
    init(rows: Int, columns: Int, source: UnsafePointer<Float>, rowStride: Int, columnStride: Int, asA: Bool) {
        self.rows = rows
        self.columns = columns
        count = asA ? ck_packed_a_count(rows, columns) : ck_packed_b_count(rows, columns)
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(1, count))
        if asA {
            ck_pack_a(rows, columns, source, rowStride, columnStride, pointer)
        } else {
            ck_pack_b(rows, columns, source, rowStride, columnStride, 0, columns, pointer)
        }
    }

    deinit { pointer.deallocate() }
}

/// Single-precision matrix products on the C micro-kernels, split over the context's threads.
enum SGEMM {
    static let mr = Int(CK_MR)
    static let nr = Int(CK_NR)

    /// The micro-kernel family in use: 3 = AVX-512, 2 = AVX2+FMA, 1 = portable C.
    static var instructionSet: Int { Int(ck_isa()) }

    /// Forces a micro-kernel family (clamped to what the CPU has; 0 = the best); returns the
    /// one now in use. Tests use it to check every family.
    @discardableResult
    static func forceInstructionSet(_ level: Int) -> Int { Int(ck_set_isa(Int32(level))) }

    /// Below this many multiply-adds a product runs on one thread: waking a worker and waiting
    /// for it costs more (the MLP's 256 x 256 layers, about 1 µs each, measured slower split).
    static let parallelThreshold = 192 * 1024

    /// C (m x n, leading dimension ldc) = alpha * A (m x k) * B (k x n), then the epilogue.
    static func product(
        m: Int, n: Int, k: Int, a: GemmOperand, b: GemmOperand, c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, epilogue: GemmEpilogue = .none, context: KernelContext
    ) {
        guard m > 0, n > 0 else { return }
        withPacked(a, rows: m, columns: k, asA: true, context: context) { pa in
            withPacked(b, rows: k, columns: n, asA: false, context: context) { pb in
                packedProduct(m: m, n: n, k: k, a: pa, b: pb, c: c, ldc: ldc, alpha: alpha, epilogue: epilogue, context: context)
            }
        }
    }

    /// The product of two packed operands, tiles spread over the threads.
    static func packedProduct(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float, epilogue: GemmEpilogue, context: KernelContext
    ) {
        epilogue.withC { ep in
            let mPanels = (m + mr - 1) / mr
            let nPanels = (n + nr - 1) / nr
            let threads = context.threadCount
            if threads == 1 || m * n * k < parallelThreshold || mPanels * nPanels == 1 {
                ck_gemm_packed(m, n, k, a, b, c, ldc, alpha, &ep, 0, m, 0, n)
                return
            }
            let epilogue = ep
            if nPanels >= threads * 2 || nPanels >= mPanels {
                context.parallelFor(nPanels) { panels in
                    var ep = epilogue
                    ck_gemm_packed(m, n, k, a, b, c, ldc, alpha, &ep, 0, m, panels.lowerBound * nr, panels.upperBound * nr)
                }
            } else {
                context.parallelFor(mPanels) { panels in
                    var ep = epilogue
                    ck_gemm_packed(m, n, k, a, b, c, ldc, alpha, &ep, panels.lowerBound * mr, panels.upperBound * mr, 0, n)
                }
            }
        }
    }

    /// `count` independent products of the same sizes (batched MatMul, attention heads): small
    /// ones spread over the threads one product each, large ones one after the other with
    /// their tiles spread.
    static func batchedProduct(
        count: Int, m: Int, n: Int, k: Int,
        a: (Int) -> UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
        b: (Int) -> UnsafePointer<Float>, bRowStride: Int, bColumnStride: Int,
        c: (Int) -> UnsafeMutablePointer<Float>, alpha: Float = 1, epilogue: GemmEpilogue, context: KernelContext
    ) {
        guard count > 0, m > 0, n > 0 else { return }
        if count == 1 || (count < context.threadCount && m * n * k >= parallelThreshold) {
            for entry in 0..<count {
                product(m: m, n: n, k: k, a: .matrix(a(entry), rowStride: aRowStride, columnStride: aColumnStride),
                        b: .matrix(b(entry), rowStride: bRowStride, columnStride: bColumnStride),
                        c: c(entry), ldc: n, alpha: alpha, epilogue: epilogue, context: context)
            }
            return
        }
        let aCount = ck_packed_a_count(m, k), bCount = ck_packed_b_count(k, n)
        let perChunk = aCount + bCount
        let threads = count * m * n * k < parallelThreshold ? 1 : context.threadCount
        context.withScratch(floats: perChunk * threads) { scratch in
            epilogue.withC { ep in
                let shared = ep
                func run(_ chunk: Int, _ range: Range<Int>) {
                    var ep = shared
                    let pa = scratch + chunk * perChunk, pb = pa + aCount
                    for entry in range {
                        ck_pack_a(m, k, a(entry), aRowStride, aColumnStride, pa)
                        ck_pack_b(k, n, b(entry), bRowStride, bColumnStride, 0, n, pb)
                        ck_gemm_packed(m, n, k, pa, pb, c(entry), n, alpha, &ep, 0, m, 0, n)
                    }
                }
                if threads == 1 { run(0, 0..<count) } else { context.parallelChunks(count, run) }
            }
        }
    }

    /// Calls `body` with `operand` in packed form, packing a strided matrix into scratch memory.
    private static func withPacked<R>(
        _ operand: GemmOperand, rows: Int, columns: Int, asA: Bool, context: KernelContext,
        _ body: (UnsafePointer<Float>) -> R
    ) -> R {
        switch operand {
        case .packed(let pointer):
            return body(pointer)
        case let .matrix(base, rowStride, columnStride):
            let count = asA ? ck_packed_a_count(rows, columns) : ck_packed_b_count(rows, columns)
            return context.withScratch(floats: count) { scratch in
                if asA {
                    ck_pack_a(rows, columns, base, rowStride, columnStride, scratch)
                } else if rows * columns >= parallelThreshold && context.threadCount > 1 {
                    let panels = (columns + nr - 1) / nr
                    context.parallelFor(panels) { range in
                        ck_pack_b(rows, columns, base, rowStride, columnStride, range.lowerBound * nr,
                                  range.upperBound * nr, scratch + range.lowerBound * nr * rows)
                    }
                } else {
                    ck_pack_b(rows, columns, base, rowStride, columnStride, 0, columns, scratch)
                }
                return body(UnsafePointer(scratch))
            }
        }
    }
}
