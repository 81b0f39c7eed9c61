import Foundation

/// The header of a `.npy` array: element type and shape. Only what numpy writes for plain
/// little-endian arrays in C order is accepted; anything else is refused by name.
struct NumpyHeader: Equatable {
    var dataType: DataType
    var shape: [Int]

    /// Reads the magic, version, header length and header dictionary from `reader`, leaving it
    /// at the first data byte.
    static func read(from reader: any ByteReader, source: String) throws(InputError) -> NumpyHeader {
        let preamble = try reader.read(8)
        guard preamble.starts(with: [0x93] + Array("NUMPY".utf8)) else {
            throw InputError(kind: .malformedInput, message: "\(source): not a .npy array (no NUMPY magic)")
        }
        let major = preamble[preamble.startIndex + 6]
        let lengthBytes: Data
        switch major {
        case 1: lengthBytes = try reader.read(2)
        case 2, 3: lengthBytes = try reader.read(4)
        default: throw InputError(kind: .malformedInput, message: "\(source): unknown .npy version \(major)")
        }
        let headerLength = lengthBytes.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength < 1 << 20 else {
            throw InputError(kind: .malformedInput, message: "\(source): .npy header of \(headerLength) bytes")
        }
        let text = String(decoding: try reader.read(headerLength), as: UTF8.self)
        return try parse(text, source: source)
    }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (16, 64), }`.
    static func parse(_ text: String, source: String) throws(InputError) -> NumpyHeader {
        func value(of key: String) -> Substring? {
            guard let keyRange = text.range(of: "'\(key)'") else { return nil }
            var rest = text[keyRange.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop { $0 == " " }
            return rest
        }
        guard let descrField = value(of: "descr"), descrField.first == "'",
            let end = descrField.dropFirst().firstIndex(of: "'")
        else {
            throw InputError(kind: .malformedInput, message: "\(source): .npy header without a 'descr'")
        }
        let descr = String(descrField[descrField.index(after: descrField.startIndex)..<end])
        guard let fortran = value(of: "fortran_order") else {
            throw InputError(kind: .malformedInput, message: "\(source): .npy header without 'fortran_order'")
        }
        if fortran.hasPrefix("True") {
            throw InputError(kind: .malformedInput, message: "\(source): the array is in Fortran order; save it with numpy.ascontiguousarray")
        }
        guard let shapeField = value(of: "shape"), shapeField.first == "(", let close = shapeField.firstIndex(of: ")") else {
            throw InputError(kind: .malformedInput, message: "\(source): .npy header without a 'shape'")
        }
        var shape: [Int] = []
        for part in shapeField[shapeField.index(after: shapeField.startIndex)..<close].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed), dim >= 0, dim < 1 << 40 else {
                throw InputError(kind: .malformedInput, message: "\(source): bad dimension '\(trimmed)' in the .npy shape")
            }
            shape.append(dim)
        }
        return NumpyHeader(dataType: try dataType(descr, source: source), shape: shape)
    }

    /// The element type of a numpy type string ('<f4', '|u1', '|b1', …).
    static func dataType(_ descr: String, source: String) throws(InputError) -> DataType {
        guard let order = descr.first, descr.count >= 3 else {
            throw InputError(kind: .malformedInput, message: "\(source): unknown numpy type '\(descr)'")
        }
        if order == ">" {
            throw InputError(kind: .malformedInput, message: "\(source): big-endian numpy type '\(descr)'; save it with .astype('<\(descr.dropFirst())')")
        }
        let types: [String: DataType] = [
            "f4": .float, "f8": .double, "f2": .float16, "i1": .int8, "u1": .uint8, "i2": .int16, "u2": .uint16,
            "i4": .int32, "u4": .uint32, "i8": .int64, "u8": .uint64, "b1": .bool,
        ]
        guard let type = types[String(descr.dropFirst())] else {
            throw InputError(kind: .malformedInput, message: "\(source): numpy type '\(descr)' has no ONNX tensor equivalent")
        }
        return type
    }
}
