/// How to build the pass of one technique.
public struct PassDescriptor: Sendable {
    public let technique: Technique
    public let parameters: [ParameterDescriptor]
    /// Order among the techniques of one run: clean-ups (0) before precision changes (1).
    public let stage: Int
    /// Techniques with the same group are alternatives: a run applies at most one of them.
    public let exclusiveGroup: String?
    let make: @Sendable (ParameterValues) -> any OptimizationPass

    public init(
        technique: Technique, parameters: [ParameterDescriptor], stage: Int, exclusiveGroup: String?,
        make: @escaping @Sendable (ParameterValues) -> any OptimizationPass
    ) {
        self.technique = technique
        self.parameters = parameters
        self.stage = stage
        self.exclusiveGroup = exclusiveGroup
        self.make = make
    }

    /// The pass with `given` parameters (defaults for the rest), or every problem with them.
    public func makePass(_ given: [String: JSONValue] = [:]) throws(InvalidRequest) -> any OptimizationPass {
        make(try ParameterValues(technique: technique.id, descriptors: parameters, given: given))
    }
}

/// Every technique that has a pass. `Technique.all` names the techniques users may write; a
/// technique without a pass here is refused by `plan` with a clear error.
public enum PassRegistry {
    public static let descriptors: [PassDescriptor] = [
        PassDescriptor(
            technique: Technique.named("simplify")!, parameters: SimplifyPass.parameterDescriptors, stage: 0, exclusiveGroup: nil,
            make: { SimplifyPass($0) }),
        PassDescriptor(
            technique: Technique.named("fp16")!, parameters: Float16Pass.parameterDescriptors, stage: 1, exclusiveGroup: "precision",
            make: { Float16Pass($0) }),
        PassDescriptor(
            technique: Technique.named("quantize-int8-dynamic")!, parameters: DynamicQuantizationPass.parameterDescriptors, stage: 1,
            exclusiveGroup: "precision", make: { DynamicQuantizationPass($0) }),
        PassDescriptor(
            technique: Technique.named("quantize-int8")!, parameters: StaticQuantizationPass.parameterDescriptors, stage: 1,
            exclusiveGroup: "precision", make: { StaticQuantizationPass($0) }),
    ]

    public static func descriptor(for id: String) -> PassDescriptor? {
        descriptors.first { $0.technique.id == id }
    }

    /// The passes for a run's techniques, in the order they must be applied. Reports unknown
    /// techniques, techniques without a pass, alternatives requested together and bad
    /// parameters, all at once.
    public static func plan(
        techniques: [String], parameters: [String: [String: JSONValue]] = [:]
    ) throws(InvalidRequest) -> [any OptimizationPass] {
        var problems: [FieldProblem] = []
        var chosen: [PassDescriptor] = []
        for id in techniques {
            guard let descriptor = descriptor(for: id) else {
                let available = descriptors.map(\.technique.id).joined(separator: ", ")
                let message = Technique.named(id) == nil
                    ? "is not a known technique (\(available))"
                    : "has no implementation in this build of optctl yet (available: \(available))"
                problems.append(FieldProblem(field: "techniques", value: .string(id), message: message))
                continue
            }
            if chosen.contains(where: { $0.technique.id == id }) {
                problems.append(FieldProblem(field: "techniques", value: .string(id), message: "is listed more than once"))
                continue
            }
            if let group = descriptor.exclusiveGroup,
               let other = chosen.first(where: { $0.exclusiveGroup == group }) {
                problems.append(FieldProblem(
                    field: "techniques", value: .string(id),
                    message: "cannot be combined with \(other.technique.id): both set the model's \(group); choose one"))
                continue
            }
            chosen.append(descriptor)
        }
        for id in parameters.keys.sorted() where !techniques.contains(id) {
            problems.append(FieldProblem(field: "techniques.\(id)", value: nil, message: "has parameters but is not among the techniques"))
        }
        var passes: [(Int, any OptimizationPass)] = []
        for descriptor in chosen {
            do {
                passes.append((descriptor.stage, try descriptor.makePass(parameters[descriptor.technique.id] ?? [:])))
            } catch {
                problems += error.fields
            }
        }
        if techniques.isEmpty {
            problems.append(FieldProblem(field: "techniques", value: .array([]), message: "name at least one technique"))
        }
        if !problems.isEmpty { throw InvalidRequest(problems) }
        return passes.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
    }
}
