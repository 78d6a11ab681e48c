import Foundation
import NIOCore
import PostgresNIO

/// A value sent to or read from PostgreSQL, in the few shapes nnreg stores. Booleans read as 0 or 1,
/// `numeric` as an integer when it is whole (a `sum` of integers) and as a double otherwise.
public enum PostgresValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bytes([UInt8])
    /// Arrays: many rows sent in one statement (`unnest($1::bigint[], …)`), or read as one
    /// (`array_agg(…)`).
    case integers([Int64])
    case reals([Double])
    case texts([String])

    /// The elements of an array value (empty for any other value, and for NULL: `array_agg` of no rows).
    public var integers: [Int64] { if case .integers(let values) = self { values } else { [] } }
    public var reals: [Double] { if case .reals(let values) = self { values } else { [] } }
    public var texts: [String] { if case .texts(let values) = self { values } else { [] } }
    public var elementCount: Int { integers.count + reals.count + texts.count }

    func append(to bindings: inout PostgresBindings) {
        switch self {
        case .null: bindings.appendNull()
        case .integer(let value): bindings.append(value)
        case .real(let value): bindings.append(value)
        case .text(let value): bindings.append(value)
        case .bytes(let value): bindings.append(ByteBuffer(bytes: value))
        case .integers(let values): bindings.append(values)
        case .reals(let values): bindings.append(values)
        case .texts(let values): bindings.append(values)
        }
    }

    init(_ cell: PostgresCell) throws {
        guard var bytes = cell.bytes, cell.dataType != .void else {
            self = .null
            return
        }
        // The fixed-width types are read straight from the cell's big-endian bytes (binary format).
        switch (cell.dataType, cell.format, bytes.readableBytes) {
        case (.int8, .binary, 8): self = .integer(bytes.readInteger(as: Int64.self)!)
        case (.float8, .binary, 8): self = .real(Double(bitPattern: bytes.readInteger(as: UInt64.self)!))
        case (.int4, .binary, 4): self = .integer(Int64(bytes.readInteger(as: Int32.self)!))
        case (.int8Array, .binary, _):
            self = .integers(try Self.array(bytes, cell, width: 8) { Int64(bigEndian: $0.loadUnaligned(as: Int64.self)) })
        case (.float8Array, .binary, _):
            self = .reals(try Self.array(bytes, cell, width: 8) {
                Double(bitPattern: UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)))
            })
        case (.textArray, .binary, _), (.varcharArray, .binary, _):
            self = .texts(try Self.array(bytes, cell, width: nil) { String(decoding: $0, as: UTF8.self) })
        default: self = try Self.decode(cell, &bytes)
        }
    }

    /// A one-dimensional array in binary format, element by element (postgres-nio's generic decoding
    /// takes about 30 times as long for 100,000 numbers): the header (dimensions, a has-NULLs flag,
    /// the element type, each dimension's length and lower bound), then each element as its length
    /// and bytes. `width` is the fixed element size, nil for text; a NULL element is refused.
    private static func array<T>(
        _ bytes: ByteBuffer, _ cell: PostgresCell, width: Int?, _ element: (UnsafeRawBufferPointer) -> T
    ) throws -> [T] {
        let malformed = PostgresClientError(message: "column \(cell.columnName) holds an array nnreg cannot read")
        return try bytes.withUnsafeReadableBytes { raw -> [T] in
            func int32(_ offset: Int) -> Int { Int(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))) }
            guard raw.count >= 12 else { throw malformed }
            if int32(0) == 0 { return [] }
            guard int32(0) == 1, raw.count >= 20 else { throw malformed }
            let count = int32(12)
            guard count >= 0, count <= raw.count / 4 else { throw malformed }
            var values: [T] = []
            values.reserveCapacity(count)
            var offset = 20
            for _ in 0..<count {
                guard offset + 4 <= raw.count else { throw malformed }
                let length = int32(offset)
                offset += 4
                guard length >= 0, width == nil || length == width, offset + length <= raw.count else { throw malformed }
                values.append(element(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])))
                offset += length
            }
            guard offset == raw.count else { throw malformed }
            return values
        }
    }

    private static func decode(_ cell: PostgresCell, _ bytes: inout ByteBuffer) throws -> PostgresValue {
        switch cell.dataType {
        case .int8: return .integer(try cell.decode(Int64.self))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .float8: return .real(try cell.decode(Double.self))
        case .float4: return .real(Double(try cell.decode(Float.self)))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .bytes(bytes.readBytes(length: bytes.readableBytes) ?? [])
        case .int8Array: return .integers(try cell.decode([Int64].self))
        case .float8Array: return .reals(try cell.decode([Double].self))
        case .textArray, .varcharArray: return .texts(try cell.decode([String].self))
        case .numeric:
            let decimal = try cell.decode(Decimal.self)
            let whole = NSDecimalNumber(decimal: decimal)
            return decimal == Decimal(whole.int64Value) ? .integer(whole.int64Value) : .real(whole.doubleValue)
        default:
            if cell.format == .text || [.text, .varchar, .name, .bpchar, .json, .jsonb].contains(cell.dataType) {
                return .text(try cell.decode(String.self))
            }
            throw PostgresClientError(message: "column \(cell.columnName) has type \(cell.dataType), which nnreg does not read")
        }
    }
}

/// The rows a query gave, row-major, with the number of rows it changed.
public struct PostgresRows: Sendable {
    public let columnCount: Int
    public let values: [PostgresValue]
    /// Rows inserted, updated or deleted (0 for other statements).
    public let affectedRows: Int

    public var count: Int { columnCount == 0 ? 0 : values.count / columnCount }

    public subscript(row: Int, column: Int) -> PostgresValue { values[row * columnCount + column] }

    init(_ result: PostgresQueryResult) throws {
        affectedRows = result.metadata.command == "SELECT" ? 0 : (result.metadata.rows ?? 0)
        columnCount = result.rows.first?.count ?? 0
        var values: [PostgresValue] = []
        values.reserveCapacity(result.rows.count * columnCount)
        for row in result.rows {
            for cell in row { values.append(try PostgresValue(cell)) }
        }
        self.values = values
    }
}
