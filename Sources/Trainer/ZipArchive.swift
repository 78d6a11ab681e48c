import CZlib

/// The entries of a zip archive held in memory, as `numpy.savez` and `numpy.savez_compressed`
/// write them: stored or deflated, unencrypted, on one disk, under 4 GB (no ZIP64 sizes or
/// offsets). Entries are located through the central directory, which holds their true sizes
/// (numpy's local headers carry ZIP64 extra fields, which are skipped). Throws `DatasetError`.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    static let stored: UInt16 = 0
    static let deflated: UInt16 = 8

    /// The archive's path, for errors.
    let file: String
    let bytes: [UInt8]
    let entries: [Entry]

    init(bytes: [UInt8], file: String) throws {
        self.file = file
        self.bytes = bytes
        func corrupt(_ reason: String) -> DatasetError { .corruptArchive(file: file, reason: reason) }
        func unsupported(_ reason: String) -> DatasetError { .unsupportedArchive(file: file, reason: reason) }

        // The end-of-central-directory record: 22 bytes and a comment of up to 65535 bytes at the end.
        let endSize = 22
        guard bytes.count >= endSize else { throw corrupt("\(bytes.count) bytes is too short for a zip archive") }
        let lowest = max(0, bytes.count - endSize - 0xFFFF)
        guard let end = stride(from: bytes.count - endSize, through: lowest, by: -1)
            .first(where: { Self.uint32(bytes, $0) == 0x0605_4B50 }) else {
            throw corrupt("no end-of-central-directory record; the file is cut short or not a zip archive")
        }
        let entryCount = Int(Self.uint16(bytes, end + 10))
        let directorySize = Int(Self.uint32(bytes, end + 12))
        let directoryOffset = Int(Self.uint32(bytes, end + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw unsupported("ZIP64 (an archive over 4 GB or with 65535 entries or more)")
        }
        guard Self.uint16(bytes, end + 4) == 0, Self.uint16(bytes, end + 6) == 0,
              Int(Self.uint16(bytes, end + 8)) == entryCount else {
            throw unsupported("several disks (a split archive)")
        }
        guard directoryOffset + directorySize <= end else {
            throw corrupt("its central directory (\(directorySize) bytes at offset \(directoryOffset)) lies outside the file")
        }

        var entries: [Entry] = []
        var offset = directoryOffset
        for index in 0..<entryCount {
            let fixedSize = 46
            guard offset + fixedSize <= directoryOffset + directorySize, Self.uint32(bytes, offset) == 0x0201_4B50 else {
                throw corrupt("central directory entry \(index + 1) of \(entryCount) is missing or damaged")
            }
            let flags = Self.uint16(bytes, offset + 8)
            let method = Self.uint16(bytes, offset + 10)
            let compressedSize = Int(Self.uint32(bytes, offset + 20))
            let size = Int(Self.uint32(bytes, offset + 24))
            let nameLength = Int(Self.uint16(bytes, offset + 28))
            let variableLength = nameLength + Int(Self.uint16(bytes, offset + 30)) + Int(Self.uint16(bytes, offset + 32))
            let localHeaderOffset = Int(Self.uint32(bytes, offset + 42))
            guard offset + fixedSize + variableLength <= directoryOffset + directorySize else {
                throw corrupt("central directory entry \(index + 1) runs past the directory's end")
            }
            let name = String(decoding: bytes[(offset + fixedSize)..<(offset + fixedSize + nameLength)], as: UTF8.self)
            if compressedSize == 0xFFFF_FFFF || size == 0xFFFF_FFFF || localHeaderOffset == 0xFFFF_FFFF {
                throw unsupported("ZIP64 for entry \(name) (an entry over 4 GB)")
            }
            if flags & 1 != 0 { throw unsupported("encryption (entry \(name))") }
            if method != Self.stored, method != Self.deflated {
                throw unsupported("compression method \(method) for entry \(name)")
            }
            entries.append(Entry(name: name, method: method, crc32: Self.uint32(bytes, offset + 16),
                                 compressedSize: compressedSize, size: size, localHeaderOffset: localHeaderOffset))
            offset += fixedSize + variableLength
        }
        self.entries = entries
    }

    /// The uncompressed bytes of `entry`, checked against its size and CRC-32.
    func contents(of entry: Entry) throws -> [UInt8] {
        func corrupt(_ reason: String) -> DatasetError { .corruptArchive(file: file, reason: "entry \(entry.name): \(reason)") }
        let header = entry.localHeaderOffset
        let headerSize = 30
        guard header + headerSize <= bytes.count, Self.uint32(bytes, header) == 0x0403_4B50 else {
            throw corrupt("its local header at offset \(header) is missing or damaged")
        }
        let start = header + headerSize + Int(Self.uint16(bytes, header + 26)) + Int(Self.uint16(bytes, header + 28))
        guard start + entry.compressedSize <= bytes.count else {
            throw corrupt("its \(entry.compressedSize) bytes of data run past the end of the file; the file is cut short")
        }
        let data: [UInt8]
        if entry.method == Self.stored {
            guard entry.compressedSize == entry.size else {
                throw corrupt("stored with \(entry.compressedSize) bytes but a size of \(entry.size)")
            }
            data = Array(bytes[start..<(start + entry.size)])
        } else {
            data = try inflate(bytes[start..<(start + entry.compressedSize)], size: entry.size, corrupt: corrupt)
        }
        let crc = data.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        guard crc == entry.crc32 else {
            throw corrupt("its CRC-32 is \(String(crc, radix: 16)), the archive says \(String(entry.crc32, radix: 16)); the data is damaged")
        }
        return data
    }

    /// Inflates a raw deflate stream that should give exactly `size` bytes. The output grows with
    /// what the stream gives, so a size claimed by a damaged header is never allocated up front.
    private func inflate(_ input: ArraySlice<UInt8>, size: Int,
                         corrupt: (String) -> DatasetError) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw corrupt("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(size, 1 << 22))
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var status = Z_OK
        try input.withUnsafeBufferPointer { input in
            // zlib reads through `next_in` without writing.
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while status == Z_OK {
                let produced = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard output.count + produced <= size else {
                    throw corrupt("it inflates to more than the \(size) bytes the archive states")
                }
                output += chunk[..<produced]
            }
        }
        switch status {
        case Z_STREAM_END:
            guard output.count == size else {
                throw corrupt("it inflates to \(output.count) bytes, the archive states \(size)")
            }
            return output
        case Z_BUF_ERROR:
            throw corrupt("its deflate stream ends early")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw corrupt("its deflate stream is corrupt (\(message))")
        }
    }

    /// Little-endian integers at `offset`; callers check that `offset + size <= bytes.count`
    /// except for fixed fields inside a record whose extent they have checked.
    private static func uint16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(uint16(bytes, offset)) | UInt32(uint16(bytes, offset + 2)) << 16
    }
}
