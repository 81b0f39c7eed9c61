import Testing

@testable import OptKit

/// Transpose, Concat, Split and Shape.
@Suite struct LayoutTests {
    /// numpy's `transpose(perm)` of a row-major tensor.
    static func transposed(_ values: [Float], _ shape: [Int], _ perm: [Int]) -> [Float] {
        let outShape = perm.map { shape[$0] }
        let strides = contiguousStrides(shape)
        let count = values.count
        return (0..<count).map { index in
            var rest = index
            var source = 0
            for d in stride(from: outShape.count - 1, through: 0, by: -1) {
                source += (rest % outShape[d]) * strides[perm[d]]
                rest /= outShape[d]
            }
            return values[source]
        }
    }

    static func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.flatMap { first in permutations(items.filter { $0 != first }).map { [first] + $0 } }
    }

    @Test func transposeMatchesNumpyForEveryPermutation() throws {
        let shape = [2, 3, 4, 5]
        let values = (0..<120).map(Float.init)
        for perm in Self.permutations([0, 1, 2, 3]) {
            let result = try runNode1("Transpose", [floats(values, shape)], attributes: ["perm": .ints(perm)])
            #expect(result.shape == perm.map { shape[$0] })
            #expect(result.elements(Float.self) == Self.transposed(values, shape, perm), "\(perm)")
        }
        let reversed = try runNode1("Transpose", [floats(values, shape)])
        #expect(reversed.shape == [5, 4, 3, 2])
        #expect(reversed.elements(Float.self) == Self.transposed(values, shape, [3, 2, 1, 0]))
    }

    @Test func transposeOfLargeAndOddShapesOnTwoThreads() throws {
        // Tiled path with partial tiles, byte and int64 elements.
        for (shape, perm) in [([67, 131], [1, 0]), ([3, 37, 45], [0, 2, 1]), ([5, 17, 3, 19], [0, 2, 3, 1])] {
            let count = shape.reduce(1, *)
            let values = (0..<count).map(Float.init)
            let result = try runNode1("Transpose", [floats(values, shape)], attributes: ["perm": .ints(perm)], threads: 2)
            #expect(result.elements(Float.self) == Self.transposed(values, shape, perm), "\(shape) \(perm)")
            let longs = try runNode1("Transpose", [int64s((0..<count).map(Int64.init), shape)], attributes: ["perm": .ints(perm)])
            #expect(longs.elements(Int64.self).map(Float.init) == Self.transposed(values, shape, perm))
        }
        let bytes = Tensor(elements: (0..<12).map(UInt8.init), dataType: .uint8, shape: [3, 4])
        #expect(try runNode1("Transpose", [bytes]).elements(UInt8.self) == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    }

    @Test func transposeOfSizeOneAxesIsAView() throws {
        let input = floats((0..<6).map(Float.init), [1, 6, 1])
        let result = try runNode1("Transpose", [input], attributes: ["perm": .ints([2, 0, 1])])
        #expect(result.shape == [1, 1, 6])
        #expect(result.storage === input.storage)
        let bad = engineError { _ = try runNode1("Transpose", [input], attributes: ["perm": .ints([0, 0, 1])]) }
        #expect(isInvalidAttribute(bad, "perm"))
    }

    @Test func concatAlongEachAxis() throws {
        let a = floats([1, 2, 3, 4], [2, 2])
        let b = floats([5, 6, 7, 8], [2, 2])
        #expect(try runNode1("Concat", [a, b], attributes: ["axis": .int(0)]).elements(Float.self) == [1, 2, 3, 4, 5, 6, 7, 8])
        let columns = try runNode1("Concat", [a, b], attributes: ["axis": .int(-1)])
        #expect(columns.shape == [2, 4])
        #expect(columns.elements(Float.self) == [1, 2, 5, 6, 3, 4, 7, 8])
        // Three inputs of different lengths, one empty.
        let mixed = try runNode1(
            "Concat", [int64s([1], [1, 1]), int64s([], [1, 0]), int64s([2, 3], [1, 2])], attributes: ["axis": .int(1)])
        #expect(mixed.shape == [1, 3])
        #expect(mixed.elements(Int64.self) == [1, 2, 3])
        // Large rows on two threads.
        let left = floats((0..<(300 * 500)).map(Float.init), [300, 500])
        let right = floats((0..<300).map { -Float($0) }, [300, 1])
        let joined = try runNode1("Concat", [left, right], attributes: ["axis": .int(1)], threads: 2).elements(Float.self)
        #expect(joined[500] == 0 && joined[501] == 500 && joined[1001] == -1)
    }

    @Test func concatErrors() {
        let a = floats([1, 2], [1, 2])
        let shape = engineError { _ = try runNode1("Concat", [a, floats([1, 2, 3], [1, 3])], attributes: ["axis": .int(0)]) }
        #expect(isInvalidInput(shape))
        let type = engineError { _ = try runNode1("Concat", [a, int64s([1, 2], [1, 2])], attributes: ["axis": .int(0)]) }
        #expect(isInvalidInput(type))
        let axis = engineError { _ = try runNode1("Concat", [a, a]) }
        #expect(isInvalidAttribute(axis, "axis"))
        let range = engineError { _ = try runNode1("Concat", [a, a], attributes: ["axis": .int(2)]) }
        #expect(isInvalidAttribute(range, "axis"))
    }

    @Test func splitForms() throws {
        let input = floats((1...6).map(Float.init), [6])
        // Equal parts from the output count.
        let equal = try runNode("Split", [input], outputs: 3, opset: 13)
        #expect(equal.map { $0.elements(Float.self) } == [[1, 2], [3, 4], [5, 6]])
        // Sizes as an attribute (opset 11) and as an input (13).
        let attribute = try runNode("Split", [input], attributes: ["split": .ints([2, 4])], outputs: 2, opset: 11)
        #expect(attribute.map { $0.elements(Float.self) } == [[1, 2], [3, 4, 5, 6]])
        let sizes = try runNode("Split", [input, int64s([1, 0, 5], [3])], outputs: 3, opset: 13)
        #expect(sizes.map(\.shape) == [[1], [0], [5]])
        // num_outputs (18) with an uneven last chunk: 7 into 4 is 2, 2, 2, 1.
        let seven = floats((1...7).map(Float.init), [7])
        let uneven = try runNode("Split", [seven], attributes: ["num_outputs": .int(4)], outputs: 4, opset: 18)
        #expect(uneven.map { $0.elements(Float.self) } == [[1, 2], [3, 4], [5, 6], [7]])
        // Along axis 1 of a matrix.
        let matrix = floats((0..<12).map(Float.init), [2, 6])
        let halves = try runNode("Split", [matrix], attributes: ["axis": .int(-1)], outputs: 2, opset: 13)
        #expect(halves.map { $0.elements(Float.self) } == [[0, 1, 2, 6, 7, 8], [3, 4, 5, 9, 10, 11]])
    }

    @Test func splitErrors() {
        let input = floats((1...6).map(Float.init), [6])
        let sum = engineError { _ = try runNode("Split", [input, int64s([2, 2], [2])], outputs: 2, opset: 13) }
        #expect(isInvalidInput(sum))
        let count = engineError {
            _ = try runNode("Split", [input], attributes: ["num_outputs": .int(3)], outputs: 2, opset: 18)
        }
        #expect(isInvalidAttribute(count, "num_outputs"))
        let tooMany = engineError { _ = try runNode("Split", [floats([1, 2], [2])], outputs: 4, opset: 13) }
        #expect(isInvalidInput(tooMany))
    }

    @Test func shapeWithStartAndEnd() throws {
        let input = floats([Float](repeating: 0, count: 120), [2, 3, 4, 5])
        #expect(try runNode1("Shape", [input]).elements(Int64.self) == [2, 3, 4, 5])
        let cases: [(Int?, Int?, [Int64])] = [
            (1, nil, [3, 4, 5]), (nil, 1, [2]), (-1, nil, [5]), (nil, -1, [2, 3, 4]), (1, -1, [3, 4]),
            (-10, nil, [2, 3, 4, 5]), (nil, 10, [2, 3, 4, 5]), (2, 1, []),
        ]
        for (start, end, expected) in cases {
            var attributes: [String: AttributeValue] = [:]
            if let start { attributes["start"] = .int(start) }
            if let end { attributes["end"] = .int(end) }
            let result = try runNode1("Shape", [input], attributes: attributes, opset: 15)
            #expect(result.dataType == .int64)
            #expect(result.elements(Int64.self) == expected, "start \(String(describing: start)) end \(String(describing: end))")
        }
        // Before opset 15 start/end do not exist.
        #expect(try runNode1("Shape", [input], attributes: ["start": .int(2)], opset: 13).elements(Int64.self) == [2, 3, 4, 5])
        #expect(try runNode1("Shape", [floats([1], [])]).shape == [0])
    }

    @Test func sizeCountsElements() throws {
        let size = try runNode1("Size", [floats([Float](repeating: 0, count: 24), [2, 3, 4])])
        #expect(size.dataType == .int64 && size.shape == [])
        #expect(size.elements(Int64.self) == [24])
        #expect(try runNode1("Size", [floats([], [3, 0])]).elements(Int64.self) == [0])
    }
}
