/// Raises a model's default-domain opset for a pass that needs a newer op form (per-channel
/// DequantizeLinear needs opset 13, DynamicQuantizeLinear 11), converting the ops whose meaning
/// or signature changed on the way so the result is valid at the new opset. Ops it cannot
/// convert are an error before anything is changed: never an invalid model.
enum OpsetUpgrade {
    /// Upgrades `model` to at least `target`; returns one note per converted node kind, empty
    /// when the model already had that opset.
    static func upgrade(_ model: inout Model, to target: Int) throws(PassInputError) -> [String] {
        let current = model.opset
        guard current < target else { return [] }
        guard current >= 10 else {
            throw .invalid("the model uses opset \(current); quantization needs at least opset 10 and optctl converts only from opset 10 upward")
        }
        if let node = model.graph.nodes.first(where: \.hasSubgraphs) {
            throw .invalid("raising the opset from \(current) to \(target) would change the ops inside \(node.opType) node '\(node.displayName)', whose body optctl cannot rewrite; use per-tensor quantization (per_channel false) or convert the model to opset \(target) first")
        }
        if let node = model.graph.nodes.first(where: { !$0.isStandard && !$0.domain.isEmpty && model.opsetImports[$0.domain] == nil }) {
            throw .invalid("node '\(node.displayName)' is in domain '\(node.domain)', which the model does not import")
        }
        var graph = model.graph
        var notes: [String] = []
        let types = graph.inferTypes(opsets: model.opsetImports).types
        var converted: [String: Int] = [:]
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            guard node.isStandard else {
                index += 1
                continue
            }
            let replacement = try convert(node, from: current, to: target, graph: &graph, types: types)
            if let replacement {
                graph.nodes.replaceSubrange(index...index, with: replacement)
                converted[node.opType, default: 0] += 1
                index += replacement.count
            } else {
                index += 1
            }
        }
        for (op, count) in converted.sorted(by: { $0.key < $1.key }) {
            notes.append("\(count) \(op) node\(count == 1 ? "" : "s") converted to the opset-\(target) form")
        }
        model.graph = graph
        model.opsetImports[""] = target
        if model.opsetImports["ai.onnx"] != nil {
            model.opsetImports["ai.onnx"] = nil
            model.opsetImports[""] = target
        }
        // Opset 13 needs IR version 7.
        model.irVersion = max(model.irVersion, 7)
        notes.insert("opset raised from \(current) to \(target)", at: 0)
        return notes
    }

    /// The node's replacement at `target`, nil when it is valid as it is.
    private static func convert(_ node: Node, from current: Int, to target: Int, graph: inout Graph, types: [String: TensorType]) throws(PassInputError) -> [Node]? {
        var node = node
        var changed = false
        func refuse(_ why: String) -> PassInputError {
            .invalid("cannot raise the opset from \(current) to \(target): node '\(node.displayName)' (\(node.opType)) \(why)")
        }
        func moveToInput(_ attribute: String, position: Int, tensor: Tensor?) {
            guard let tensor else { return }
            while node.inputs.count < position { node.inputs.append("") }
            let name = graph.addInitializer(tensor, preferredName: (node.name.isEmpty ? node.opType : node.name) + "_" + attribute)
            if node.inputs.count == position { node.inputs.append(name) } else { node.inputs[position] = name }
            node.attributes[attribute] = nil
            changed = true
        }
        func ints(_ name: String) -> Tensor? {
            guard case .ints(let values)? = node.attributes[name] else { return nil }
            return Tensor(values.map(Int64.init), shape: [values.count])
        }
        func float(_ name: String) -> Tensor? {
            guard case .float(let value)? = node.attributes[name] else { return nil }
            return Tensor([value], shape: [])
        }

        if current < 11, target >= 11 {
            switch node.opType {
            case "Clip":
                // min and max became inputs in opset 11.
                if node.attributes["min"] != nil || node.attributes["max"] != nil {
                    let low = float("min") ?? Tensor([-Float.greatestFiniteMagnitude], shape: [])
                    let high = float("max")
                    node.attributes["min"] = nil
                    moveToInput("min", position: 1, tensor: low)
                    moveToInput("max", position: 2, tensor: high)
                }
            case "Pad":
                moveToInput("pads", position: 1, tensor: ints("pads"))
                moveToInput("value", position: 2, tensor: float("value"))
            case "Resize", "Upsample", "Scatter":
                throw refuse("changed meaning at opset 11 and is not converted by optctl")
            default:
                break
            }
        }
        if current < 12, target >= 12, node.opType == "Dropout", node.attributes["ratio"] != nil {
            moveToInput("ratio", position: 1, tensor: float("ratio"))
        }
        if current < 13, target >= 13 {
            switch node.opType {
            case "Split":
                moveToInput("split", position: 1, tensor: ints("split"))
            case "Squeeze", "Unsqueeze", "ReduceSum":
                moveToInput("axes", position: 1, tensor: ints("axes"))
            case "Resize":
                if case .string("tf_half_pixel_for_nn")? = node.attributes["coordinate_transformation_mode"] {
                    throw refuse("uses coordinate_transformation_mode tf_half_pixel_for_nn, removed in opset 13")
                }
            case "Softmax", "LogSoftmax", "Hardmax":
                return try convertSoftmax(node, graph: &graph, types: types, refuse: refuse)
            default:
                break
            }
        }
        return changed ? [node] : nil
    }

    /// Before opset 13 these ops flattened their input to 2-D at `axis` (default 1) and worked
    /// on the second dim; from 13 they work along `axis` alone (default -1). Same meaning when
    /// `axis` is the last dim; otherwise Flatten, the op on axis 1, and a Reshape back.
    private static func convertSoftmax(_ node: Node, graph: inout Graph, types: [String: TensorType], refuse: (String) -> PassInputError) throws(PassInputError) -> [Node]? {
        let axis = (try? node.intAttribute("axis", default: 1)) ?? 1
        guard let input = node.inputs.first, let output = node.outputs.first else { return nil }
        let rank = (types[input] ?? graph.declaredType(of: input))?.shape?.count
        if axis == -1 || rank.map({ axis == $0 - 1 }) == true {
            var updated = node
            updated.attributes["axis"] = .int(-1)
            return [updated]
        }
        var scope = graph.nameScope()
        let flat = scope.fresh(output + "_2d")
        let computed = scope.fresh(output + "_flat_result")
        let shape = scope.fresh(input + "_shape")
        var softmax = node
        softmax.inputs = [flat]
        softmax.outputs = [computed]
        softmax.attributes["axis"] = .int(1)
        return [
            Node(name: scope.fresh(node.displayName + "_flatten"), opType: "Flatten", inputs: [input], outputs: [flat], attributes: ["axis": .int(axis)]),
            softmax,
            Node(name: scope.fresh(node.displayName + "_shape"), opType: "Shape", inputs: [input], outputs: [shape]),
            Node(name: scope.fresh(node.displayName + "_reshape"), opType: "Reshape", inputs: [computed, shape], outputs: [output]),
        ]
    }
}
