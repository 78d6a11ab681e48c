/// The encodings `ImageDecoder` reads, recognised by their first bytes (`ImageDecoder.format(of:)`).
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg

    /// PNG's eight-byte signature.
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// JPEG's start-of-image marker followed by the next marker's FF.
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]
}
