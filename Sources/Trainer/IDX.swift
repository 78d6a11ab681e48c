import CZlib
import Crypto
import Foundation

/// Reader of IDX files (raw or gzip), hashing the decompressed bytes while reading.
enum IDX {
    static let imagesMagic: UInt32 = 2051
    static let labelsMagic: UInt32 = 2049
    /// Upper bound on examples per file, so a corrupt header cannot request absurd allocations.
    static let maxCount = 100_000_000
    static let maxSide = 4096

    struct File {
        var count: Int
        var rows: Int
        var columns: Int
        var bytes: [UInt8]
        var sha256: String
    }

    /// A sequential byte source over a raw or gzip file, or over bytes in memory.
    final class Source {
        let path: String
        /// Total bytes available when known up front (raw files, memory), to refuse short inputs before allocating.
        private(set) var knownSize: Int?
        private var raw: UnsafeMutablePointer<FILE>?
        private var gz: gzFile?
        private var memory: [UInt8] = []
        private var hasher = SHA256()
        private(set) var consumed = 0

        init(path: String) throws {
            self.path = path
            if path.hasSuffix(".gz") {
                guard let handle = gzopen(path, "rb") else {
                    throw DatasetError.unreadable(file: path, reason: String(cString: strerror(errno)))
                }
                gzbuffer(handle, 1 << 18)
                gz = handle
            } else {
                guard let handle = fopen(path, "rb") else {
                    throw DatasetError.unreadable(file: path, reason: String(cString: strerror(errno)))
                }
                raw = handle
                knownSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int
            }
        }

        /// Reads `bytes` as if they were the raw file `name`.
        init(bytes: [UInt8], name: String) {
            path = name
            memory = bytes
            knownSize = bytes.count
        }

        deinit {
            if let raw { fclose(raw) }
            if let gz { gzclose(gz) }
        }

        /// Reads up to `count` bytes; returns how many were read (fewer only at the end).
        func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
            var total = 0
            while total < count {
                let want = min(count - total, 1 << 30)
                let got: Int
                if let gz {
                    let n = gzread(gz, buffer + total, UInt32(want))
                    if n < 0 {
                        var code: Int32 = 0
                        let message = gzerror(gz, &code).map { String(cString: $0) } ?? "error \(code)"
                        throw DatasetError.corruptGzip(file: path, reason: message)
                    }
                    got = Int(n)
                    if got == 0 {
                        var code: Int32 = 0
                        let message = gzerror(gz, &code)
                        if code != Z_OK { throw DatasetError.corruptGzip(file: path, reason: message.map { String(cString: $0) } ?? "error \(code)") }
                    }
                } else if raw == nil {
                    got = min(want, memory.count - consumed - total)
                    memory.withUnsafeBytes { buffer.advanced(by: total).copyMemory(from: $0.baseAddress! + consumed + total, byteCount: got) }
                } else {
                    got = fread(buffer + total, 1, want, raw)
                    if got < want, ferror(raw) != 0 {
                        throw DatasetError.unreadable(file: path, reason: String(cString: strerror(errno)))
                    }
                }
                if got == 0 { break }
                total += got
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: total))
            consumed += total
            return total
        }

        func finish() -> String {
            hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Reads a whole IDX file of unsigned bytes with the given magic (images: 3 dims, labels: 1).
    static func read(path: String, magic: UInt32) throws -> File {
        try read(try Source(path: path), magic: magic)
    }

    /// Reads an IDX file held in memory; `name` stands for its path in errors.
    static func read(bytes: [UInt8], name: String, magic: UInt32) throws -> File {
        try read(Source(bytes: bytes, name: name), magic: magic)
    }

    static func read(_ source: Source, magic: UInt32) throws -> File {
        let path = source.path
        let headerSize = magic == imagesMagic ? 16 : 8
        var header = [UInt8](repeating: 0, count: headerSize)
        let got = try header.withUnsafeMutableBytes { try source.read(into: $0.baseAddress!, count: headerSize) }
        func word(_ i: Int) -> UInt32 {
            UInt32(header[4 * i]) << 24 | UInt32(header[4 * i + 1]) << 16 | UInt32(header[4 * i + 2]) << 8 | UInt32(header[4 * i + 3])
        }
        guard got >= 4 else { throw DatasetError.truncated(file: path, expectedBytes: headerSize, actualBytes: got) }
        guard word(0) == magic else { throw DatasetError.wrongMagic(file: path, found: word(0), expected: magic) }
        guard got == headerSize else { throw DatasetError.truncated(file: path, expectedBytes: headerSize, actualBytes: got) }
        let count = Int(word(1))
        guard count > 0, count <= maxCount else {
            throw DatasetError.badDimensions(file: path, reason: "example count \(count) is not in 1...\(maxCount)")
        }
        var rows = 1, columns = 1
        if magic == imagesMagic {
            rows = Int(word(2))
            columns = Int(word(3))
            guard rows > 0, rows <= maxSide, columns > 0, columns <= maxSide else {
                throw DatasetError.badDimensions(file: path, reason: "image size \(rows)x\(columns) is not within 1...\(maxSide) on each side")
            }
        }
        let (bodySize, overflow) = count.multipliedReportingOverflow(by: rows * columns)
        guard !overflow, bodySize <= 1 << 34 else {
            throw DatasetError.badDimensions(file: path, reason: "\(count) images of \(rows)x\(columns) is too large")
        }
        // Refuse before allocating when a raw file is visibly shorter than its header promises.
        if let size = source.knownSize, size < headerSize + bodySize {
            throw DatasetError.truncated(file: path, expectedBytes: headerSize + bodySize, actualBytes: size)
        }
        var readCount = 0
        var bytes: [UInt8]
        if source.knownSize != nil {
            bytes = try [UInt8](unsafeUninitializedCapacity: bodySize) { buffer, initialized in
                readCount = try source.read(into: buffer.baseAddress!, count: bodySize)
                if readCount < bodySize { buffer.baseAddress!.advanced(by: readCount).initialize(repeating: 0, count: bodySize - readCount) }
                initialized = bodySize
            }
        } else {
            // A gzip header can promise gigabytes in a few bytes: grow with the data actually read.
            bytes = []
            bytes.reserveCapacity(min(bodySize, 1 << 22))
            var chunk = [UInt8](repeating: 0, count: min(bodySize, 1 << 18))
            while readCount < bodySize {
                let want = min(chunk.count, bodySize - readCount)
                let got = try chunk.withUnsafeMutableBytes { try source.read(into: $0.baseAddress!, count: want) }
                bytes += chunk[..<got]
                readCount += got
                if got < want { break }
            }
        }
        guard readCount == bodySize else {
            throw DatasetError.truncated(file: path, expectedBytes: headerSize + bodySize, actualBytes: headerSize + readCount)
        }
        var extra: UInt8 = 0
        guard try source.read(into: &extra, count: 1) == 0 else { throw DatasetError.trailingData(file: path) }
        return File(count: count, rows: rows, columns: columns, bytes: bytes, sha256: source.finish())
    }

    /// Big-endian IDX encoding of unsigned-byte images or labels.
    static func encode(magic: UInt32, dimensions: [Int], body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + 4 * dimensions.count + body.count)
        for value in [Int(magic)] + dimensions {
            let v = UInt32(value)
            out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        return out + body
    }
}
