import Foundation

/// Runs a graph on the CPU.
///
/// Preparing does every per-model job once: a topological order, one kernel per node from
/// `KernelRegistry`, constant sub-graphs (Constant nodes and nodes whose inputs are all
/// constants) evaluated, weights packed, element-wise steps fused into the convolution or
/// matrix product before them, and Transposes that only feed a MatMul read through by it. A run then only binds feeds, calls the kernels in order through
/// integer-indexed value slots, and hands each dead intermediate's storage back to a pool that
/// the next allocation takes from.
///
/// One run at a time: concurrent calls to `run` are serialised.
public final class Executor: @unchecked Sendable {
    /// Threads the kernels may use.
    public let threadCount: Int

    /// A class, so that taking a step out of `steps` costs one retain rather than one for each
    /// of its arrays and its kernel (the per-step overhead counts on models of many small ops).
    private final class Step {
        let kernel: any Kernel
        let node: String
        /// Value slots of the kernel's inputs; -1 for an omitted optional input.
        let inputs: [Int]
        /// Value slots of the outputs; -1 for an output the graph never reads.
        let outputs: [Int]
        /// Slots whose last reader is this step, released after it.
        var releases: [Int]

        init(kernel: any Kernel, node: String, inputs: [Int], outputs: [Int], releases: [Int]) {
            self.kernel = kernel
            self.node = node
            self.inputs = inputs
            self.outputs = outputs
            self.releases = releases
        }
    }

    private struct Input {
        let name: String
        let slot: Int
        let type: TensorType?
        /// An initializer of the same name: used when the feed omits the input.
        let defaultValue: Tensor?
    }

    private let steps: [Step]
    private let inputs: [Input]
    private let outputs: [(name: String, slot: Int)]
    /// Slots of values produced by steps; cleared after each run.
    private let transientSlots: [Int]
    private var values: [Tensor?]
    /// One argument array per step, filled and cleared on each run so that calling a kernel
    /// allocates no array for its inputs.
    private var arguments: [[Tensor?]]
    private let context: KernelContext
    private let lock = NSLock()
    private var peak = 0

    /// High-water mark, over the runs so far, of the bytes held by live intermediate values and
    /// kernel scratch buffers (feeds, constants and weights not included).
    public var peakWorkingBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }

    /// Prepares `graph` for running. `opsets` maps a domain ("" for the default ONNX domain)
    /// to the model's import version; `threads` defaults to every core.
    ///
    /// `fuseQuantized` (default on) runs a QDQ graph's DequantizeLinear -> Conv/MatMul/Gemm ->
    /// QuantizeLinear patterns as fused integer ops (`QDQFusion`); off, they run as written.
    /// A float16 model with float32 inputs and outputs is computed in float32
    /// (`Float16Promotion`).
    public init(graph: Graph, opsets: [String: Int], threads: Int? = nil, fuseQuantized: Bool = true) throws(EngineError) {
        let promoted = Float16Promotion.rewrite(graph)
        let graph = fuseQuantized ? QDQFusion.rewrite(promoted) : promoted
        threadCount = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        context = KernelContext(threadCount: threadCount)
        var plan = try ExecutionPlan(graph: graph, opsets: opsets)
        try plan.fold(using: KernelContext(threadCount: threadCount))
        plan.fuse()
        plan.foldQuantizedCopies()
        plan.foldTransposes()
        plan.assignChannelsLast()

        var slots: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if let existing = slots[name] { return existing }
            slots[name] = slots.count
            return slots.count - 1
        }
        var values: [Tensor?] = []
        for (name, tensor) in plan.constants {
            _ = slot(name)
            values.append(tensor)
        }
        let fedNames = Set(graph.inputs.map(\.name))
        inputs = graph.inputs.map { info in
            Input(name: info.name, slot: slot(info.name), type: info.type, defaultValue: graph.initializers[info.name])
        }
        var steps: [Step] = []
        for entry in plan.entries {
            steps.append(Step(
                kernel: entry.kernel, node: entry.node.displayName,
                inputs: entry.inputs.map { $0.isEmpty ? -1 : slot($0) },
                outputs: entry.outputs.map { $0.isEmpty ? -1 : slot($0) },
                releases: []))
        }
        var produced = Set(plan.constants.keys).union(fedNames)
        for entry in plan.entries { produced.formUnion(entry.outputs.filter { !$0.isEmpty }) }
        outputs = try graph.outputs.map { info throws(EngineError) in
            guard produced.contains(info.name) else {
                throw .invalidGraph(message: "graph output '\(info.name)' is not produced by any node, input or initializer")
            }
            return (info.name, slot(info.name))
        }
        values += [Tensor?](repeating: nil, count: slots.count - values.count)

        // Liveness: a produced value dies after its last reader, or right away when nothing
        // reads it; graph outputs live to the end of the run.
        let kept = Set(outputs.map(\.slot))
        var lastUse: [Int: Int] = [:]
        for (index, step) in steps.enumerated() {
            for slot in step.outputs where slot >= 0 { lastUse[slot] = index }
            for slot in step.inputs where slot >= 0 { lastUse[slot] = index }
        }
        let producedSlots = Set(steps.flatMap { $0.outputs.filter { $0 >= 0 } })
        for (slot, index) in lastUse where producedSlots.contains(slot) && !kept.contains(slot) {
            steps[index].releases.append(slot)
        }
        transientSlots = producedSlots.sorted()
        self.steps = steps
        self.values = values
        arguments = steps.map { [Tensor?](repeating: nil, count: $0.inputs.count) }
    }

    /// Runs the graph on `feeds` (one tensor per graph input; an input with an initializer of
    /// the same name may be omitted) and returns every graph output by name.
    public func run(_ feeds: [String: Tensor]) throws(EngineError) -> [String: Tensor] {
        lock.lock()
        defer { lock.unlock() }
        try bind(feeds)
        context.pool.beginRun()
        defer {
            for input in inputs { values[input.slot] = nil }
            for slot in transientSlots { values[slot] = nil }
            peak = max(peak, context.pool.peakLiveBytes)
        }
        try withLocalState { values, arguments throws(EngineError) in
            for index in steps.indices {
                try runStep(index, &values, &arguments)
            }
        }
        var result: [String: Tensor] = [:]
        result.reserveCapacity(outputs.count)
        for output in outputs {
            guard let value = values[output.slot] else {
                throw .invalidGraph(message: "graph output '\(output.name)' was not computed")
            }
            result[output.name] = value
        }
        return result
    }

    /// Time spent in each prepared step (a fused step names its first node), summed over
    /// `runs` runs after one untimed run; `optctl bench` shows where a model's time goes.
    public func profile(_ feeds: [String: Tensor], runs: Int = 100) throws(EngineError) -> [(node: String, seconds: Double)] {
        _ = try run(feeds)
        lock.lock()
        defer { lock.unlock() }
        var totals = [UInt64](repeating: 0, count: steps.count)
        for _ in 0..<max(1, runs) {
            try bind(feeds)
            context.pool.beginRun()
            defer {
                for input in inputs { values[input.slot] = nil }
                for slot in transientSlots { values[slot] = nil }
            }
            try withLocalState { values, arguments throws(EngineError) in
                for index in steps.indices {
                    let start = DispatchTime.now().uptimeNanoseconds
                    try runStep(index, &values, &arguments)
                    totals[index] += DispatchTime.now().uptimeNanoseconds - start
                }
            }
        }
        return zip(steps, totals).map { ($0.node, Double($1) / 1e9 / Double(max(1, runs))) }
    }

    /// Runs `body` on the value slots and argument arrays moved into locals, and moves them
    /// back afterwards. Every access to a class's stored array is checked for exclusivity at
    /// run time; on locals the compiler checks it once, statically, which took those checks
    /// out of the per-step cost.
    private func withLocalState(_ body: (inout [Tensor?], inout [[Tensor?]]) throws(EngineError) -> Void) throws(EngineError) {
        var values: [Tensor?] = []
        var arguments: [[Tensor?]] = []
        swap(&values, &self.values)
        swap(&arguments, &self.arguments)
        defer {
            swap(&values, &self.values)
            swap(&arguments, &self.arguments)
        }
        try body(&values, &arguments)
    }

    private func runStep(_ index: Int, _ values: inout [Tensor?], _ arguments: inout [[Tensor?]]) throws(EngineError) {
        let step = steps[index]
        for (position, slot) in step.inputs.enumerated() where slot >= 0 {
            arguments[index][position] = values[slot]
        }
        let results: [Tensor]
        do {
            results = try step.kernel.run(arguments[index], context)
        } catch {
            Self.clear(&arguments[index])
            throw error
        }
        Self.clear(&arguments[index])
        guard results.count >= step.outputs.count else {
            throw .invalidInput(node: step.node, message: "kernel returned \(results.count) outputs, the node declares \(step.outputs.count)")
        }
        for (position, slot) in step.outputs.enumerated() where slot >= 0 {
            values[slot] = results[position]
        }
        for slot in step.releases {
            guard var storage = values[slot]?.storage else { continue }
            values[slot] = nil
            context.pool.giveBack(&storage)
        }
    }

    private static func clear(_ arguments: inout [Tensor?]) {
        for position in arguments.indices { arguments[position] = nil }
    }

    /// Checks each feed against its declared element type and shape (symbolic and unknown dims
    /// accept any size) and puts it in its slot.
    private func bind(_ feeds: [String: Tensor]) throws(EngineError) {
        for name in feeds.keys where !inputs.contains(where: { $0.name == name }) {
            throw .invalidFeed(name: name, message: "not an input of the graph (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        for input in inputs {
            guard let tensor = feeds[input.name] ?? input.defaultValue else {
                throw .missingInput(name: input.name)
            }
            if let type = input.type {
                if type.dataType != .undefined, tensor.dataType != type.dataType {
                    throw .invalidFeed(name: input.name, message: "expected \(type.dataType) elements, got \(tensor.dataType)")
                }
                if let dims = type.shape {
                    guard dims.count == tensor.rank else {
                        throw .invalidFeed(name: input.name, message: "expected rank \(dims.count) \(Self.describe(dims)), got shape \(tensor.shape)")
                    }
                    for (axis, dim) in dims.enumerated() {
                        if let size = dim.value, size != tensor.shape[axis] {
                            throw .invalidFeed(name: input.name, message: "expected shape \(Self.describe(dims)), got \(tensor.shape) (axis \(axis))")
                        }
                    }
                }
            }
            values[input.slot] = tensor
        }
    }

    private static func describe(_ dims: [Dim]) -> String {
        "[" + dims.map(\.description).joined(separator: ", ") + "]"
    }
}
