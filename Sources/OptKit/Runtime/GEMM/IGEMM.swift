import CKernels

/// How an 8-bit operand is stored and how the integer GEMM reads it. The GEMM multiplies one
/// unsigned operand (the activations) by one signed operand (the weights); an operand stored
/// with the other signedness is flipped while packing (x ^ 0x80), and its zero point moves by
/// 128 so that x - zero is unchanged.
struct Int8Layout: Sendable, Equatable {
    /// The stored elements are int8 (else uint8).
    var storedSigned: Bool
    /// The GEMM reads this operand as int8 (the weight side) or as uint8 (the activation side).
    var packedSigned: Bool

    var flips: Bool { storedSigned != packedSigned }

    /// A zero point of the stored type, in the packed representation.
    func packedZero(_ zero: Int32) -> Int32 {
        guard flips else { return zero }
        return storedSigned ? zero + 128 : zero - 128
    }
}

/// Values a prepared integer kernel keeps at stable addresses for the C epilogue.
final class PinnedArray<Element: BitwiseCopyable>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(_ values: [Element]) {
        count = values.count
        pointer = .allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { pointer.initialize(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }
}

/// An 8-bit matrix packed once (constant weights) as the A or B operand of the integer GEMM,
/// with its row (A) or column (B) sums for the zero-point correction.
final class PackedInt8Matrix: @unchecked Sendable {
    let rows: Int
    let columns: Int
    let pointer: UnsafeMutablePointer<UInt8>
    let sums: PinnedArray<Int32>
    let layout: Int8Layout

    /// Packs `rows x columns`, element (r, c) at `source[r * rowStride + c * columnStride]`.
    init(rows: Int, columns: Int, source: UnsafePointer<UInt8>, rowStride: Int, columnStride: Int, layout: Int8Layout, asA: Bool) {
        self.rows = rows
        self.columns = columns
        self.layout = layout
        let bytes = asA ? ck_qpacked_a_bytes(rows, columns) : ck_qpacked_b_bytes(rows, columns)
        let packed = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes), alignment: 64)
            .bindMemory(to: UInt8.self, capacity: max(1, bytes))
        var sums = [Int32](repeating: 0, count: asA ? rows : columns)
        let flip: Int32 = layout.flips ? 1 : 0, signed: Int32 = layout.packedSigned ? 1 : 0
        sums.withUnsafeMutableBufferPointer { out in
            if asA {
                ck_qpack_a(rows, columns, source, rowStride, columnStride, flip, signed, packed, out.baseAddress)
            } else {
                ck_qpack_b(rows, columns, source, rowStride, columnStride, flip, signed, 0, columns, packed, out.baseAddress)
            }
        }
        pointer = packed
        self.sums = PinnedArray(sums)
    }

    deinit { pointer.deallocate() }
}

/// 8-bit integer matrix products on the C micro-kernels (AVX-512 VNNI, AVX2 or portable),
/// split over the context's threads like `SGEMM`.
enum IGEMM {
    static let mr = Int(CK_QMR)
    static let nr = Int(CK_QNR)

    /// The integer micro-kernel family in use: 3 = AVX-512 VNNI, 2 = AVX2, 1 = portable C.
    static var instructionSet: Int { Int(ck_qisa()) }

    /// Forces an integer micro-kernel family (clamped to what the CPU has; 0 = the best);
    /// returns the one now in use. Tests use it to check every family.
    @discardableResult
    static func forceInstructionSet(_ level: Int) -> Int { Int(ck_set_qisa(Int32(level))) }

    /// Bytes of a packed operand, rounded up to whole 4-byte groups of k.
    static func packedBytes(rows: Int, columns: Int, asA: Bool) -> Int {
        asA ? ck_qpacked_a_bytes(rows, columns) : ck_qpacked_b_bytes(rows, columns)
    }

    /// C = epilogue(A * B) for packed A (m x k) and B (k x n); `aUnsigned`: A is the uint8 side.
    /// `c` holds elements of the epilogue's output kind with leading dimension ldc.
    static func packedProduct(
        m: Int, n: Int, k: Int, a: UnsafePointer<UInt8>, b: UnsafePointer<UInt8>, aUnsigned: Bool,
        c: UnsafeMutableRawPointer, ldc: Int, epilogue: ck_qepilogue, context: KernelContext
    ) {
        guard m > 0, n > 0 else { return }
        var ep = epilogue
        let mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr
        let au: Int32 = aUnsigned ? 1 : 0
        // Integer products run about four times the fp32 rate, so the threshold for splitting
        // is four times SGEMM's.
        if context.threadCount == 1 || m * n * k < 4 * SGEMM.parallelThreshold || mPanels * nPanels == 1 {
            ck_qgemm_packed(m, n, k, a, b, au, c, ldc, &ep, 0, m, 0, n)
            return
        }
        let shared = ep
        if nPanels >= mPanels {
            context.parallelFor(nPanels) { panels in
                var ep = shared
                ck_qgemm_packed(m, n, k, a, b, au, c, ldc, &ep, 0, m, panels.lowerBound * nr, panels.upperBound * nr)
            }
        } else {
            context.parallelFor(mPanels) { panels in
                var ep = shared
                ck_qgemm_packed(m, n, k, a, b, au, c, ldc, &ep, panels.lowerBound * mr, panels.upperBound * mr, 0, n)
            }
        }
    }
}

extension ck_qepilogue {
    /// Nothing applied: int32 output of the raw products.
    static var raw: ck_qepilogue {
        ck_qepilogue(
            row_zero: nil, row_zero_step: 0, col_zero: nil, col_zero_step: 0, row_sums: nil, col_sums: nil,
            row_bias_i32: nil, col_bias_i32: nil, output: CK_QOUT_I32, scale: 1, row_scale: nil, col_scale: nil,
            row_bias: nil, col_bias: nil, lo: -.infinity, hi: .infinity, out_zero: 0, qlo: 0, qhi: 255,
            activation: 0, out_scale: 1, accumulate: 0, requant_single: 0)
    }
}

extension KernelContext {
    /// Byte scratch memory for the duration of `body` (packed 8-bit operands).
    func withByteScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> R) -> R {
        withScratch(floats: (count + 3) / 4) { floats in
            body(UnsafeMutableRawPointer(floats).assumingMemoryBound(to: UInt8.self))
        }
    }
}
