import Crypto
import Foundation

/// SHA-256 over a sequence of typed values, each written with a type tag and (for text and bytes) its
/// length, so that no two different sequences encode to the same bytes: `("ab", "c")` and
/// `("a", "bc")` hash differently, and so do the integer 1 and the real 1.0. Values are gathered in a
/// buffer and hashed 64 KB at a time, so hashing a million metric points costs little per point.
struct ContentHasher {
    private var hasher = SHA256()
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(Self.flushSize + 64) }

    private static let flushSize = 1 << 16

    private mutating func appendWord(_ word: UInt64) {
        withUnsafeBytes(of: word.littleEndian) { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.flushSize { flush() }
    }

    private mutating func flush() {
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func addNull() {
        buffer.append(0)
    }

    mutating func add(_ value: Int64) {
        buffer.append(1)
        appendWord(UInt64(bitPattern: value))
    }

    mutating func add(_ value: Int) { add(Int64(value)) }

    mutating func add(_ value: Double) {
        buffer.append(2)
        appendWord(value.bitPattern)
    }

    mutating func add(_ value: String) {
        buffer.append(3)
        var value = value
        value.withUTF8 { utf8 in
            appendWord(UInt64(utf8.count))
            buffer.append(contentsOf: utf8)
        }
        if buffer.count >= Self.flushSize { flush() }
    }

    mutating func add(_ value: String?) {
        if let value { add(value) } else { addNull() }
    }

    mutating func add(_ value: Double?) {
        if let value { add(value) } else { addNull() }
    }

    mutating func add(bytes: UnsafeRawBufferPointer) {
        buffer.append(4)
        appendWord(UInt64(bytes.count))
        flush()
        hasher.update(bufferPointer: bytes)
    }

    mutating func add(_ value: ColumnValue) {
        switch value {
        case .null: addNull()
        case .integer(let number): add(number)
        case .real(let number): add(number)
        case .text(let text): add(text)
        }
    }

    mutating func add(_ value: ParamValue) {
        switch value {
        case .int(let number): add(number)
        case .real(let number): add(number)
        case .text(let text): add(text)
        }
    }

    /// The digest as 64 lowercase hex digits; the hasher is spent.
    mutating func finalize() -> String {
        flush()
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
