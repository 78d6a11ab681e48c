/// One array read from a `.npy` file (format versions 1.0, 2.0 and 3.0): its element type, its
/// shape and the bytes of its data in C order. The header is the Python dict numpy writes, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }`. Throws `DatasetError`
/// naming `file` and `array`.
struct NumpyArray {
    /// The element types nnreg reads; multi-byte ones little-endian.
    enum Element: String {
        case uint8 = "u1", int8 = "i1", uint16 = "u2", int16 = "i2"
        case uint32 = "u4", int32 = "i4", uint64 = "u8", int64 = "i8", float32 = "f4", float64 = "f8"

        var size: Int { Int(rawValue.dropFirst()) ?? 1 }
        static let integers: [Element] = [.uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64]
    }

    /// numpy's `descr`, as written (e.g. `<f4`), for messages.
    let dtype: String
    let element: Element
    let shape: [Int]
    let data: ArraySlice<UInt8>

    /// Longest header read; numpy itself refuses headers over 10,000 bytes by default.
    static let maxHeaderSize = 1 << 16

    /// Parses `.npy` bytes holding an array of one of `accepting`; `expected` says in errors what
    /// the array should be (e.g. "uint8 ('|u1') or float32 ('<f4')").
    init(npy bytes: [UInt8], file: String, array: String, accepting: [Element], expected: String) throws {
        func bad(_ reason: String) -> DatasetError { .badArray(file: file, array: array, reason: reason) }
        func truncated(_ expected: Int) -> DatasetError {
            .truncatedArray(file: file, array: array, expectedBytes: expected, actualBytes: bytes.count)
        }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10 else { throw truncated(10) }
        guard Array(bytes[0..<6]) == magic else { throw bad("it does not start with \\x93NUMPY") }
        let headerStart: Int, headerSize: Int
        switch (bytes[6], bytes[7]) {
        case (1, 0):
            headerStart = 10
            headerSize = Int(bytes[8]) | Int(bytes[9]) << 8
        case (2, 0), (3, 0):
            guard bytes.count >= 12 else { throw truncated(12) }
            headerStart = 12
            headerSize = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        case let (major, minor):
            throw bad("format version \(major).\(minor); nnreg reads versions 1.0, 2.0 and 3.0")
        }
        guard headerSize <= Self.maxHeaderSize else { throw bad("its header claims \(headerSize) bytes") }
        guard headerStart + headerSize <= bytes.count else { throw truncated(headerStart + headerSize) }
        let text = String(decoding: bytes[headerStart..<(headerStart + headerSize)], as: UTF8.self)
        guard case let .dict(header)? = try? PythonLiteral.parse(text) else {
            throw bad("its header is not a Python dict: \(text.prefix(80))")
        }

        guard case let .string(dtype)? = header["descr"] else {
            throw DatasetError.unsupportedDtype(file: file, array: array, dtype: header["descr"].map { "\($0)" } ?? "none",
                                                expected: expected)
        }
        guard case let .bool(isFortranOrder)? = header["fortran_order"] else { throw bad("its header has no fortran_order") }
        guard case let .sequence(dimensions)? = header["shape"] else { throw bad("its header has no shape") }
        var shape: [Int] = []
        for dimension in dimensions {
            guard case let .integer(n) = dimension, n >= 0 else { throw bad("its shape \(PythonLiteral.sequence(dimensions)) is not a tuple of sizes") }
            shape.append(n)
        }
        // numpy writes '<' (little-endian), '>' (big-endian) or '|' (no byte order: one-byte types).
        let order = dtype.first
        let element = Element(rawValue: String(dtype.dropFirst()))
        if order == ">", element?.size != 1 { throw DatasetError.bigEndianArray(file: file, array: array, dtype: dtype) }
        guard let element, accepting.contains(element), order == "<" || order == "|" || order == ">" else {
            throw DatasetError.unsupportedDtype(file: file, array: array, dtype: dtype, expected: expected)
        }
        if isFortranOrder { throw DatasetError.fortranOrderArray(file: file, array: array) }

        // Sizes from the header are checked against the bytes present before anything is allocated.
        var dataSize = element.size
        for n in shape {
            let (product, overflow) = dataSize.multipliedReportingOverflow(by: n)
            guard !overflow else { throw bad("its shape \(Self.describe(shape)) describes more data than a file can hold") }
            dataSize = product
        }
        let (expected, overflow) = (headerStart + headerSize).addingReportingOverflow(dataSize)
        guard !overflow else { throw bad("its shape \(Self.describe(shape)) describes more data than a file can hold") }
        guard expected <= bytes.count else { throw truncated(expected) }
        guard expected == bytes.count else { throw bad("it has \(bytes.count - expected) bytes after the data its shape describes") }
        self.dtype = dtype
        self.element = element
        self.shape = shape
        data = bytes[(headerStart + headerSize)...]
    }

    var count: Int { data.count / element.size }

    /// `shape` as Python writes it: `(3,)`, `(3, 4)`.
    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// The elements as float32 (only for `.float32` and `.float64`, which rounds each to the nearest float32).
    func floats() -> [Float] {
        precondition(element == .float32 || element == .float64, "floats() of a \(dtype) array")
        return data.withUnsafeBytes { raw in
            if element == .float64 {
                return (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
            }
            return (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// Element `index` of an integer array as Python prints it.
    func integerText(at index: Int) -> String {
        if element == .uint64 {
            return String(data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) })
        }
        return integer(at: index).map(String.init) ?? "?"
    }

    /// Element `index` of an integer array, widened; unsigned 64-bit values above `Int64.max` are nil.
    func integer(at index: Int) -> Int64? {
        data.withUnsafeBytes { raw in
            let offset = index * element.size
            switch element {
            case .uint8: return Int64(raw[offset])
            case .int8: return Int64(Int8(bitPattern: raw[offset]))
            case .uint16: return Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            case .int16: return Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
            case .uint32: return Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            case .int32: return Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
            case .uint64: return Int64(exactly: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            case .int64: return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
            case .float32, .float64: preconditionFailure("integer(at:) of a \(dtype) array")
            }
        }
    }
}
