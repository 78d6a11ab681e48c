/// Small hand-assembled files for the refusal tests: a PNG made of chunks with correct CRCs, and
/// JPEG headers patched in place.
enum CraftedFiles {
    /// A PNG whose IHDR claims `width`×`height` (8-bit gray), followed by a token IDAT and IEND:
    /// enough for libpng to read the header, never enough pixels.
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        var header = bigEndian(width) + bigEndian(height)
        header += [8, 0, 0, 0, 0]  // bit depth, color type gray, compression, filter, no interlace
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", header) + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    /// `jpeg` with the frame header (SOF0…SOF2) claiming `width`×`height`.
    static func jpeg(_ jpeg: [UInt8], width: UInt16, height: UInt16) -> [UInt8] {
        var bytes = jpeg
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if (0xC0...0xC2).contains(marker) {
                bytes.replaceSubrange((offset + 5)..<(offset + 9), with: [
                    UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF),
                ])
                return bytes
            }
            offset += 2 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
        }
        preconditionFailure("no frame header before offset \(offset)")
    }

    /// `jpeg` with junk bytes inserted between its first two segments after APP0, which libjpeg
    /// reports as the warning "Corrupt JPEG data: N extraneous bytes before marker".
    static func jpegWithExtraneousBytes(_ jpeg: [UInt8]) -> [UInt8] {
        let app0Length = Int(jpeg[4]) << 8 | Int(jpeg[5])
        precondition(jpeg[2] == 0xFF && jpeg[3] == 0xE0, "expected APP0 first")
        var bytes = jpeg
        bytes.insert(contentsOf: [0x12, 0x34, 0x56], at: 4 + app0Length)
        return bytes
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// CRC-32 as PNG defines it (ISO 3309, reflected, polynomial 0xEDB88320).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
