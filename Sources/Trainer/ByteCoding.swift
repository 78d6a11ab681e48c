/// Little-endian writer for the state and weight formats.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func write(_ value: Float) { write(value.bitPattern) }
    mutating func write(_ value: Int) { write(Int64(value)) }
    mutating func write(raw: [UInt8]) { bytes.append(contentsOf: raw) }
    mutating func write(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for v in values { write(v) }
        #endif
    }
}

/// Bounds-checked little-endian reader; every failure is a thrown `Failure` with a reason.
struct ByteReader {
    struct Failure: Error { let reason: String }
    let bytes: [UInt8]
    private(set) var offset = 0
    var remaining: Int { bytes.count - offset }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw Failure(reason: "truncated at \(what) (offset \(offset))") }
        var value: T = 0
        for i in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        offset += size
        return value
    }

    mutating func readFloat(_ what: String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    /// A non-negative Int64 no larger than `limit`.
    mutating func readCount(_ what: String, limit: Int) throws -> Int {
        let value = try read(Int64.self, what)
        guard value >= 0, value <= Int64(limit) else { throw Failure(reason: "\(what) \(value) is not in 0...\(limit)") }
        return Int(value)
    }

    mutating func readRaw(_ count: Int, _ what: String) throws -> [UInt8] {
        guard count >= 0, remaining >= count else { throw Failure(reason: "truncated at \(what) (needs \(count) bytes, \(remaining) left)") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// `count` finite floats.
    mutating func readFloats(_ count: Int, _ what: String) throws -> [Float] {
        guard count >= 0, remaining / 4 >= count else { throw Failure(reason: "truncated at \(what) (needs \(count) floats)") }
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)))
                }
            }
            initialized = count
        }
        offset += 4 * count
        guard values.allSatisfy({ $0.isFinite }) else { throw Failure(reason: "\(what) holds a NaN or infinite value") }
        return values
    }

    func expectEnd() throws {
        guard remaining == 0 else { throw Failure(reason: "\(remaining) unexpected trailing bytes") }
    }
}
