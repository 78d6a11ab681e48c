/// Why `ImageDecoder` refused some bytes. Each description is one line that says what is wrong and
/// what to do; the caller puts the file name (or "upload") in front of it.
public enum ImageDecodingError: Error, Equatable, CustomStringConvertible {
    case empty
    /// Neither signature matched; `prefix` is the first bytes, to show what the file is instead.
    case notPNGOrJPEG(prefix: [UInt8])
    /// libpng refused the file; `message` is libpng's.
    case damagedPNG(message: String)
    /// libjpeg-turbo refused the file (or warned that its data ended early); `message` is its own.
    case damagedJPEG(message: String)
    /// Larger than `ImageDecoder.maxSide` on a side or `ImageDecoder.maxPixels` in all.
    case tooLarge(width: Int, height: Int)

    public var description: String {
        switch self {
        case .empty:
            "it is empty (0 bytes); give a .png or .jpg image"
        case .notPNGOrJPEG(let prefix):
            "not a PNG or JPEG image (it starts with \(Self.show(prefix))); give a .png or .jpg file"
        case .damagedPNG(let message):
            "the PNG is damaged: \(message); save it again from an image editor"
        case .damagedJPEG(let message):
            "the JPEG is damaged or unsupported: \(message); save it again as a baseline JPEG or as PNG"
        case .tooLarge(let width, let height):
            "the image is \(width)×\(height); the largest accepted is \(ImageDecoder.maxSide)×\(ImageDecoder.maxSide)"
                + " and \(ImageDecoder.maxPixels / 1_000_000) megapixels; scale it down first"
        }
    }

    /// Hex bytes, then the printable ASCII among them (most formats begin with a readable tag).
    private static func show(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + digits : digits
        }.joined(separator: " ")
        let text = String(decoding: bytes.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
        return "\(hex) \"\(text)\""
    }
}
