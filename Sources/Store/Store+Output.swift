import CZlib
import Foundation

extension Store {
    /// Appends a chunk of a tracked program's combined output (stdout and stderr in the order they
    /// were read), zlib-compressed, as the run's next chunk. Returns the chunk's number.
    @discardableResult
    public func appendOutput(runID: Int64, bytes: [UInt8]) throws -> Int {
        guard !bytes.isEmpty else { return -1 }
        return try appendOutput(runID: runID, compressed: Self.compressOutput(bytes), rawSize: bytes.count)
    }

    /// Appends a chunk compressed by `compressOutput` (a caller compresses on a thread of its own).
    @discardableResult
    public func appendOutput(runID: Int64, compressed: [UInt8], rawSize: Int) throws -> Int {
        try inTransaction {
            try requireRun(runID)
            let next = try database.cachedStatement(sql: "SELECT coalesce(max(seq) + 1, 0) FROM run_output WHERE run_id = ?")
            try next.bind(runID, at: 1)
            _ = try next.step()
            let seq = next.int(at: 0)
            next.reset()
            let insert = try database.cachedStatement(
                sql: "INSERT INTO run_output (run_id, seq, raw_size, data) VALUES (?, ?, ?, ?)")
            try insert.bind(runID, at: 1)
            try insert.bind(seq, at: 2)
            try insert.bind(rawSize, at: 3)
            try compressed.withUnsafeBytes { raw in
                try insert.bindNoCopy(raw, at: 4)
                try insert.execute()
            }
            return seq
        }
    }

    /// The run's output chunks from number `fromSeq` on, decompressed, in order; with the number
    /// to ask for next time (`nnreg logs --follow` polls with it).
    public func output(runID: Int64, fromSeq: Int = 0) throws -> (bytes: [UInt8], nextSeq: Int) {
        let statement = try database.cachedStatement(
            sql: "SELECT seq, raw_size, data FROM run_output WHERE run_id = ? AND seq >= ? ORDER BY seq")
        try statement.bind(runID, at: 1)
        try statement.bind(fromSeq, at: 2)
        defer { statement.reset() }
        var bytes: [UInt8] = []
        var next = fromSeq
        while try statement.step() {
            let seq = statement.int(at: 0)
            let rawSize = statement.int(at: 1)
            let chunk = statement.withBlob(at: 2) { Self.inflate($0, size: rawSize) }
            guard let chunk else { throw StoreError.corruptOutput(runID: runID, seq: seq) }
            bytes += chunk
            next = seq + 1
        }
        return (bytes, next)
    }

    /// The end of the run's output: its last chunks, decompressed, cut to the last `maxBytes` bytes
    /// at a line start (a web page shows it without reading all of a long log).
    public func outputTail(runID: Int64, maxBytes: Int) throws -> [UInt8] {
        let statement = try database.cachedStatement(
            sql: "SELECT seq, raw_size, data FROM run_output WHERE run_id = ? ORDER BY seq DESC")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var chunks: [[UInt8]] = []
        var total = 0
        while total < maxBytes, try statement.step() {
            let seq = statement.int(at: 0), rawSize = statement.int(at: 1)
            guard let chunk = statement.withBlob(at: 2, { Self.inflate($0, size: rawSize) }) else {
                throw StoreError.corruptOutput(runID: runID, seq: seq)
            }
            chunks.append(chunk)
            total += chunk.count
        }
        var tail = Array(chunks.reversed().joined())
        if tail.count > maxBytes {
            tail.removeFirst(tail.count - maxBytes)
            if let newline = tail.firstIndex(of: 0x0A) { tail.removeFirst(newline + 1) }
        }
        return tail
    }

    /// The total size of the run's output, uncompressed and as stored.
    public func outputSize(runID: Int64) throws -> (raw: Int, stored: Int) {
        let statement = try database.cachedStatement(
            sql: "SELECT coalesce(sum(raw_size), 0), coalesce(sum(length(data)), 0) FROM run_output WHERE run_id = ?")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        _ = try statement.step()
        return (statement.int(at: 0), statement.int(at: 1))
    }

    /// `bytes` compressed as the store keeps output (zlib, level 1: text shrinks about 5:1 at a few
    /// hundred MB/s).
    public static func compressOutput(_ bytes: [UInt8]) -> [UInt8] {
        // compressBound makes the buffer big enough, so only running out of memory can fail.
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let code = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { compress2(target.baseAddress, &size, $0.baseAddress, uLong($0.count), 1) }
        }
        precondition(code == Z_OK, "zlib compress2 failed with code \(code)")
        out.removeSubrange(Int(size)...)
        return out
    }

    static func inflate(_ compressed: UnsafeRawBufferPointer, size: Int) -> [UInt8]? {
        guard size >= 0 else { return nil }
        var out = [UInt8](repeating: 0, count: max(size, 1))
        var length = uLongf(size)
        let code = out.withUnsafeMutableBufferPointer { target in
            uncompress(target.baseAddress, &length, compressed.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(compressed.count))
        }
        guard code == Z_OK, Int(length) == size else { return nil }
        out.removeSubrange(size...)
        return out
    }
}
