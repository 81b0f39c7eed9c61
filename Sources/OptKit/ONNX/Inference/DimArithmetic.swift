extension Dim {
    /// `[batch, 3, ?]`, for messages.
    static func format(_ dims: [Dim]) -> String {
        "[" + dims.map(\.description).joined(separator: ", ") + "]"
    }

    /// Whether the dim is the number `n`.
    func isFixed(_ n: Int) -> Bool { value == n }
}

/// Arithmetic on dims that keeps symbols where the result is still exactly that symbol.
enum DimMath {
    /// Product of `dims`: a number when all are numbers; a symbol when it is the only
    /// non-number and the numbers multiply to 1; unknown otherwise.
    static func product<S: Sequence>(_ dims: S) -> Dim where S.Element == Dim {
        var fixed = 1
        var symbols: [Dim] = []
        for dim in dims {
            switch dim {
            case .fixed(let v):
                let (p, overflow) = fixed.multipliedReportingOverflow(by: v)
                if overflow { return .unknown }
                fixed = p
            case .symbolic: symbols.append(dim)
            case .unknown: return .unknown
            }
        }
        if fixed == 0 { return .fixed(0) }
        if symbols.isEmpty { return .fixed(fixed) }
        if symbols.count == 1, fixed == 1 { return symbols[0] }
        return .unknown
    }

    /// `a * b`, or nil on overflow (dims and attributes come from files).
    static func mul(_ a: Int, _ b: Int) -> Int? {
        let (r, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : r
    }

    /// `a + b`, or nil on overflow.
    static func add(_ a: Int, _ b: Int) -> Int? {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : r
    }

    /// `dim * factor` for a number `factor`.
    static func multiply(_ dim: Dim, by factor: Int) -> Dim {
        switch dim {
        case .fixed(let v): mul(v, factor).map(Dim.fixed) ?? .unknown
        case .symbolic: factor == 1 ? dim : (factor == 0 ? .fixed(0) : .unknown)
        case .unknown: factor == 0 ? .fixed(0) : .unknown
        }
    }

    /// `dim + offset` for a number `offset`.
    static func add(_ dim: Dim, _ offset: Int) -> Dim {
        switch dim {
        case .fixed(let v): add(v, offset).map(Dim.fixed) ?? .unknown
        case .symbolic: offset == 0 ? dim : .unknown
        case .unknown: .unknown
        }
    }

    /// Sum of dims (Concat along an axis): a number when all are numbers; a symbol plus zeros
    /// stays the symbol.
    static func sum(_ dims: [Dim]) -> Dim {
        var fixed = 0
        var symbols: [Dim] = []
        for dim in dims {
            switch dim {
            case .fixed(let v):
                guard let total = add(fixed, v) else { return .unknown }
                fixed = total
            case .symbolic: symbols.append(dim)
            case .unknown: return .unknown
            }
        }
        if symbols.isEmpty { return .fixed(fixed) }
        if symbols.count == 1, fixed == 0 { return symbols[0] }
        return .unknown
    }

    /// Numpy-style broadcast of two dims, or nil when two different numbers (neither 1) meet.
    static func broadcast(_ a: Dim, _ b: Dim) -> Dim? {
        switch (a, b) {
        case (.fixed(1), _): return b
        case (_, .fixed(1)): return a
        case let (.fixed(x), .fixed(y)): return x == y ? a : nil
        case (.fixed, _): return a
        case (_, .fixed): return b
        case let (.symbolic(x), .symbolic(y)): return x == y ? a : .unknown
        default: return .unknown
        }
    }

    /// Multidirectional (numpy) broadcast of several shapes, or a message naming the clash.
    static func broadcast(_ shapes: [[Dim]]) -> Result<[Dim], BroadcastFailure> {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Dim](repeating: .fixed(1), count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (i, dim) in shape.enumerated() {
                guard let combined = broadcast(result[offset + i], dim) else {
                    return .failure(BroadcastFailure(message: "cannot broadcast \(shapes.map(Dim.format).joined(separator: " with "))"))
                }
                result[offset + i] = combined
            }
        }
        return .success(result)
    }

    struct BroadcastFailure: Error {
        let message: String
    }

    /// Whether two dims may be equal (false only for two different numbers).
    static func compatible(_ a: Dim, _ b: Dim) -> Bool {
        if case let (.fixed(x), .fixed(y)) = (a, b) { return x == y }
        return true
    }

    /// The more precise of two dims that should be equal.
    static func unify(_ a: Dim, _ b: Dim) -> Dim {
        switch (a, b) {
        case (.fixed, _): a
        case (_, .fixed): b
        case (.symbolic, _): a
        default: b
        }
    }
}
