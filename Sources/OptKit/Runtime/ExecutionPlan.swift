/// The executor's prepare-time view of a graph: nodes in topological order with their kernels,
/// the constant values, and the rewrites that only the executor sees (constant folding and
/// epilogue fusion). The graph itself is never changed.
struct ExecutionPlan {
    struct Entry {
        var node: Node
        var kernel: any Kernel
        var inputs: [String]
        var outputs: [String]
    }

    /// Initializers (except those a feed may override) and every folded value.
    private(set) var constants: [String: Tensor]
    private(set) var entries: [Entry]
    private let graphOutputs: Set<String>
    private let opsets: [String: Int]

    /// The opset assumed for a domain the model does not import.
    static let defaultOpset = 21

    init(graph: Graph, opsets: [String: Int]) throws(EngineError) {
        self.opsets = opsets
        graphOutputs = Set(graph.outputs.map(\.name))
        let fed = Set(graph.inputs.map(\.name))
        constants = graph.initializers.filter { !fed.contains($0.key) }

        let order: [Int]
        do {
            order = try graph.topologicalOrder()
        } catch {
            switch error {
            case .cycle(let node): throw .invalidGraph(message: "node '\(node)' is on a cycle")
            }
        }
        var producedBy: [String: String] = [:]
        for name in fed.union(constants.keys) { producedBy[name] = "the graph's inputs or initializers" }
        entries = []
        entries.reserveCapacity(order.count)
        for index in order {
            let node = graph.nodes[index]
            for output in node.outputs where !output.isEmpty {
                if let other = producedBy[output] {
                    throw .invalidGraph(message: "value '\(output)' is produced by node '\(node.displayName)' and by \(other)")
                }
                producedBy[output] = "node '\(node.displayName)'"
            }
            for input in node.inputs where !input.isEmpty && producedBy[input] == nil {
                throw .invalidGraph(message: "node '\(node.displayName)' reads '\(input)', which no node, input or initializer provides")
            }
            let kernel = try KernelRegistry.kernel(for: node, opset: opset(for: node.domain))
            entries.append(Entry(node: node, kernel: kernel, inputs: node.inputs, outputs: node.outputs))
        }
    }

    func opset(for domain: String) -> Int {
        if KernelRegistry.isDefaultDomain(domain) {
            return opsets[""] ?? opsets["ai.onnx"] ?? Self.defaultOpset
        }
        return opsets[domain] ?? Self.defaultOpset
    }

    /// Runs every node whose inputs are all constants once, keeping its outputs as constants,
    /// and lets the remaining kernels specialise on their constant inputs (packed weights).
    mutating func fold(using context: KernelContext) throws(EngineError) {
        var remaining: [Entry] = []
        for var entry in entries {
            let known = entry.inputs.map { $0.isEmpty ? nil : constants[$0] }
            let allConstant = zip(entry.inputs, known).allSatisfy { $0.isEmpty || $1 != nil }
            if allConstant {
                let results = try entry.kernel.run(known, context)
                for (name, tensor) in zip(entry.outputs, results) where !name.isEmpty {
                    constants[name] = tensor
                }
                continue
            }
            if let specializable = entry.kernel as? any ConstantSpecializable {
                entry.kernel = try specializable.specialized(constants: known)
            }
            remaining.append(entry)
        }
        entries = remaining
    }

    /// Folds a Relu, Clip, BatchNormalization or constant Add into the kernel that produces its
    /// only non-constant input, when that kernel can absorb it and nothing else reads the value.
    mutating func fuse() {
        let readers = readerCounts()
        var index = 0
        while index < entries.count {
            if let fusable = entries[index].kernel as? any EpilogueFusable,
                let value = entries[index].outputs.first, !value.isEmpty, !graphOutputs.contains(value),
                readers[value] == 2, let gelu = geluPattern(reading: value, readers: readers),
                let fused = fusable.fusing(.activation(.gelu)) {
                entries[index].kernel = fused
                entries[index].outputs = [gelu.output]
                for position in gelu.entries.sorted(by: >) { entries.remove(at: position) }
                continue
            }
            guard let fusable = entries[index].kernel as? any EpilogueFusable,
                let value = entries[index].outputs.first, !value.isEmpty,
                entries[index].outputs.dropFirst().allSatisfy(\.isEmpty),
                !graphOutputs.contains(value), readers[value] == 1,
                let consumer = entries[(index + 1)...].firstIndex(where: { $0.inputs.contains(value) }),
                let epilogue = epilogue(for: entries[consumer], reading: value),
                let fused = fusable.fusing(epilogue)
            else {
                index += 1
                continue
            }
            entries[index].kernel = fused
            entries[index].outputs = [entries[consumer].outputs[0]]
            if case .addTensor = epilogue {
                let addInputs = entries[consumer].inputs
                entries[index].inputs.append(addInputs[0] == value ? addInputs[1] : addInputs[0])
            }
            entries.remove(at: consumer)
        }
    }

    /// Folds a QuantizeLinear into the kernel producing its input as an extra output of that
    /// kernel (`QuantizedCopying`), when other steps read the input too; with a single reader,
    /// `fuse` has already made it the kernel's epilogue. The copy is written in the step that
    /// computes the value, while its rows are still in cache.
    mutating func foldQuantizedCopies() {
        var index = 0
        while index < entries.count {
            defer { index += 1 }
            guard let copying = entries[index].kernel as? any QuantizedCopying, entries[index].outputs.count == 1,
                let value = entries[index].outputs.first, !value.isEmpty,
                let consumer = entries[(index + 1)...].firstIndex(where: { entry in
                    entry.node.opType == "QuantizeLinear" && KernelRegistry.isDefaultDomain(entry.node.domain)
                        && entry.inputs.first == value && entry.outputs.count == 1 && !entry.outputs[0].isEmpty
                }),
                case .quantize(let type, let scale, let zero)? = quantizeEpilogue(entries[consumer]),
                let kernel = copying.addingQuantizedCopy(type, scale: scale, zero: zero)
            else { continue }
            entries[index].kernel = kernel
            entries[index].outputs.append(entries[consumer].outputs[0])
            entries.remove(at: consumer)
        }
    }

    /// Removes a Transpose whose only reader can read the Transpose's input through the
    /// permutation instead (`OperandTransposing`: MatMul), so the permuted copy is never
    /// written. In attention, the heads' query, key and value operands are such Transposes.
    /// A Transpose without an explicit perm stays (its default depends on the rank).
    mutating func foldTransposes() {
        let readers = readerCounts()
        var index = 0
        while index < entries.count {
            let transpose = entries[index]
            guard transpose.node.opType == "Transpose", KernelRegistry.isDefaultDomain(transpose.node.domain),
                transpose.inputs.count == 1, transpose.outputs.count == 1, let value = transpose.outputs.first,
                !graphOutputs.contains(value), readers[value] == 1,
                let perm = (try? transpose.node.intsAttribute("perm")) ?? nil,
                let consumer = entries[(index + 1)...].firstIndex(where: { $0.inputs.contains(value) }),
                let transposing = entries[consumer].kernel as? any OperandTransposing,
                let operand = entries[consumer].inputs.firstIndex(of: value),
                let folded = transposing.readingTransposed(operand: operand, perm: perm)
            else {
                index += 1
                continue
            }
            entries[consumer].kernel = folded
            entries[consumer].inputs[operand] = transpose.inputs[0]
            entries.remove(at: index)
        }
    }

    /// Passes the values between chained convolutions in the channels-last layout
    /// (`ChannelsLastChaining`): a value written by such a kernel is channels-last when it is not
    /// a graph output and every reader is such a kernel reading it as its input 0 only.
    mutating func assignChannelsLast() {
        var readers: [String: [Int]] = [:]
        for (index, entry) in entries.enumerated() {
            for input in Set(entry.inputs) where !input.isEmpty { readers[input, default: []].append(index) }
        }
        func chains(_ index: Int) -> Bool {
            (entries[index].kernel as? any ChannelsLastChaining)?.chainsChannelsLast == true
        }
        var layout = entries.map { _ in (input: false, output: false) }
        for (index, entry) in entries.enumerated() where chains(index) {
            guard entry.outputs.count == 1, let value = entry.outputs.first, !value.isEmpty, !graphOutputs.contains(value),
                let valueReaders = readers[value], !valueReaders.isEmpty,
                valueReaders.allSatisfy({ chains($0) && entries[$0].inputs.firstIndex(of: value) == 0 && entries[$0].inputs.lastIndex(of: value) == 0 })
            else { continue }
            layout[index].output = true
            for reader in valueReaders { layout[reader].input = true }
        }
        for index in entries.indices where layout[index].input || layout[index].output {
            guard let kernel = entries[index].kernel as? any ChannelsLastChaining else { continue }
            entries[index].kernel = kernel.chaining(input: layout[index].input, output: layout[index].output)
        }
    }

    /// The epilogue that `entry` applies to `value`, when its other inputs are constants of a
    /// form a producing kernel can apply.
    private func epilogue(for entry: Entry, reading value: String) -> FusedEpilogue? {
        let node = entry.node
        guard KernelRegistry.isDefaultDomain(node.domain),
            entry.outputs.dropFirst().allSatisfy({ $0.isEmpty || !graphOutputs.contains($0) && !isRead($0) })
        else { return nil }
        if node.opType == "Add" {
            guard entry.inputs.count == 2 else { return nil }
            let otherName = entry.inputs[0] == value ? entry.inputs[1] : entry.inputs[0]
            guard otherName != value else { return nil }
            if let other = constants[otherName] {
                return other.dataType == .float ? .addConstant(other) : nil
            }
            // A residual: the other operand must exist before the producer of `value` runs.
            guard let producer = entries.firstIndex(where: { $0.outputs.contains(value) }),
                !entries[producer...].contains(where: { $0.outputs.contains(otherName) })
            else { return nil }
            return .addTensor(fallback: entry.kernel, outputFirst: entry.inputs[0] == value)
        }
        if node.opType == "Div" || node.opType == "Mul", entry.inputs.count == 2, entry.inputs[0] == value || node.opType == "Mul",
            let factor = constants[entry.inputs[0] == value ? entry.inputs[1] : entry.inputs[0]],
            factor.dataType == .float, factor.rank == 0 {
            let scalar = factor.pointer(Float.self)[0]
            return .scale(node.opType == "Div" ? 1 / scalar : scalar)
        }
        guard entry.inputs.first == value else { return nil }
        let attributes = ComputeAttributes(node)
        switch node.opType {
        case "Relu":
            return .clamp(lower: 0, upper: .infinity)
        case "Tanh":
            return .activation(.tanh)
        case "QuantizeLinear":
            return quantizeEpilogue(entry)
        case "Gelu":
            guard (try? attributes.string("approximate", default: "none")) == "none" else { return nil }
            return .activation(.gelu)
        case "Clip":
            if opset(for: node.domain) < 11 {
                guard let lower = try? attributes.float("min", default: -.greatestFiniteMagnitude),
                    let upper = try? attributes.float("max", default: .greatestFiniteMagnitude)
                else { return nil }
                return .clamp(lower: lower, upper: upper)
            }
            guard let lower = scalar(entry.inputs, 1, default: -.infinity),
                let upper = scalar(entry.inputs, 2, default: .infinity)
            else { return nil }
            return .clamp(lower: lower, upper: upper)
        case "BatchNormalization":
            guard (try? attributes.int("training_mode", default: 0)) == 0,
                entry.outputs.count == 1 || entry.outputs.dropFirst().allSatisfy(\.isEmpty),
                entry.inputs.count == 5,
                let epsilon = try? attributes.float("epsilon", default: 1e-5)
            else { return nil }
            let parameters = entry.inputs[1...].compactMap { constants[$0] }
            guard parameters.count == 4, parameters.allSatisfy({ $0.dataType == .float && $0.rank == 1 }),
                Set(parameters.map(\.count)).count == 1
            else { return nil }
            let (gamma, beta, mean, variance) = (parameters[0].elements(Float.self), parameters[1].elements(Float.self),
                                                 parameters[2].elements(Float.self), parameters[3].elements(Float.self))
            var scale = [Float](repeating: 0, count: gamma.count)
            var shift = scale
            for c in gamma.indices {
                scale[c] = gamma[c] / (variance[c] + epsilon).squareRoot()
                shift[c] = beta[c] - mean[c] * scale[c]
            }
            return .channelAffine(scale: scale, shift: shift)
        default:
            return nil
        }
    }

    /// A QuantizeLinear whose scale is one positive float constant and whose zero point is one
    /// uint8 or int8 constant (per-axis, blocked or other output types stay a step of their own).
    private func quantizeEpilogue(_ entry: Entry) -> FusedEpilogue? {
        let attributes = ComputeAttributes(entry.node)
        guard entry.inputs.count >= 3, let scale = constants[entry.inputs[1]], scale.dataType == .float,
            scale.count == 1, let zero = constants[entry.inputs[2]], zero.count == 1,
            let type = QuantizedType(zero.dataType), type.byteCount == 1,
            (try? attributes.int("block_size", default: 0)) == 0,
            let outputType = try? attributes.int("output_dtype", default: 0),
            outputType == 0 || outputType == Int(zero.dataType.rawValue)
        else { return nil }
        let value = scale.pointer(Float.self)[0]
        guard value > 0, value.isFinite else { return nil }
        let zeroValue = type == .uint8 ? Int32(zero.pointer(UInt8.self)[0]) : Int32(zero.pointer(Int8.self)[0])
        return .quantize(type, scale: value, zero: zeroValue)
    }

    /// The exact GELU as exporters write it below opset 20, reading `x`:
    /// Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5). Returns the entries to remove and the
    /// value the pattern produces, when every intermediate has a single reader and the
    /// constants are the expected ones.
    private func geluPattern(reading x: String, readers: [String: Int]) -> (entries: [Int], output: String)? {
        func single(_ value: String) -> Int? {
            guard readers[value] == 1, !graphOutputs.contains(value) else { return nil }
            return entries.firstIndex { $0.inputs.contains(value) }
        }
        func isOp(_ index: Int, _ opType: String) -> Bool {
            KernelRegistry.isDefaultDomain(entries[index].node.domain) && entries[index].node.opType == opType
                && entries[index].inputs.count == 2 && entries[index].outputs.count == 1
        }
        /// The other operand of a binary entry, when it is a constant scalar close to `value`.
        func constantOperand(_ index: Int, besides operand: String, near value: Float) -> Bool {
            let inputs = entries[index].inputs
            let other = inputs[0] == operand ? inputs[1] : inputs[0]
            guard other != operand, let tensor = constants[other], tensor.dataType == .float, tensor.count == 1 else { return false }
            return abs(tensor.pointer(Float.self)[0] - value) <= 1e-4 * abs(value)
        }
        let users = entries.indices.filter { entries[$0].inputs.contains(x) }
        guard users.count == 2,
            let div = users.first(where: { isOp($0, "Div") && entries[$0].inputs[0] == x }),
            let outerMul = users.first(where: { isOp($0, "Mul") }),
            constantOperand(div, besides: x, near: Float(2).squareRoot()),
            let erf = single(entries[div].outputs[0]), entries[erf].node.opType == "Erf", entries[erf].inputs.count == 1,
            let add = single(entries[erf].outputs[0]), isOp(add, "Add"),
            constantOperand(add, besides: entries[erf].outputs[0], near: 1),
            let mul = single(entries[add].outputs[0]), mul == outerMul,
            let half = single(entries[mul].outputs[0]), isOp(half, "Mul"),
            constantOperand(half, besides: entries[mul].outputs[0], near: 0.5)
        else { return nil }
        return ([div, erf, add, mul, half], entries[half].outputs[0])
    }

    /// How many entry inputs read each value (a node reading a value twice counts twice).
    private func readerCounts() -> [String: Int] {
        var readers: [String: Int] = [:]
        for entry in entries {
            for input in entry.inputs where !input.isEmpty { readers[input, default: 0] += 1 }
        }
        return readers
    }

    private func isRead(_ value: String) -> Bool {
        entries.contains { $0.inputs.contains(value) }
    }

    /// A Clip bound: absent means `value`; present must be a constant float scalar.
    private func scalar(_ inputs: [String], _ position: Int, default value: Float) -> Float? {
        guard position < inputs.count, !inputs[position].isEmpty else { return value }
        guard let tensor = constants[inputs[position]], tensor.dataType == .float, tensor.count == 1 else { return nil }
        return tensor.pointer(Float.self)[0]
    }
}
