import CZlib
import Foundation

/// A grayscale image (0 = black … 255 = white ink on dark in MNIST terms) drawn in the terminal or saved as PNG.
struct DigitPicture {
    let width: Int
    let height: Int
    let pixels: [UInt8]

    /// Two pixel rows per text line, shaded with `░▒▓█` by the brighter of the pair.
    func shaded() -> String {
        let shades: [Character] = [" ", "░", "▒", "▓", "█"]
        var lines: [String] = []
        for row in stride(from: 0, to: height, by: 2) {
            var line = ""
            for column in 0..<width {
                let upper = pixels[row * width + column]
                let lower = row + 1 < height ? pixels[(row + 1) * width + column] : 0
                let value = Int(max(upper, lower))
                line.append(shades[min(shades.count - 1, (value * shades.count) / 256)])
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// An 8-bit grayscale PNG of the picture.
    func png() -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(row * width)..<((row + 1) * width)])
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        let status = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 9)
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        compressed.removeLast(compressed.count - Int(compressedLength))

        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]  // 8-bit depth, grayscale, deflate, adaptive filter, no interlace
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file.appendChunk("IHDR", header)
        file.appendChunk("IDAT", compressed)
        file.appendChunk("IEND", [])
        return file
    }
}

private extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    mutating func appendChunk(_ type: String, _ data: [UInt8]) {
        appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        append(contentsOf: typed)
        appendBigEndian(UInt32(crc32(0, typed, uInt(typed.count))))
    }
}
