/// PNG and JPEG bytes to 8-bit grayscale pixels, through libpng's simplified API and the TurboJPEG
/// API of libjpeg-turbo (neither needs setjmp). Decoding keeps the image's own size; the model's
/// input size comes from `GrayImage.resized(width:height:)`.
///
/// Gray is ITU-R BT.601 luma of the gamma-encoded colours a viewer shows, computed as Pillow's
/// `convert('L')` does: L = (19595 R + 38470 G + 7471 B + 32768) >> 16, so a PNG and a JPEG of the
/// same picture give the same gray, and so does a training pipeline that reads images with Pillow.
///
/// - PNG: every color type, bit depth, palette, tRNS and Adam7 interlacing, read as 8-bit gray or RGB.
///   16-bit samples are scaled to 8 bits with rounding, and a 16-bit file without gAMA or sRGB chunk
///   is taken as sRGB-encoded (libpng's default, linear, would brighten it by up to 72 levels); libpng
///   applies a gAMA chunk. libpng's own RGB-to-gray is not used: it works in linear light with sRGB
///   weights and differs from BT.601 by up to 69 levels on the test fixtures.
/// - Alpha is composited over a background that contrasts with the ink: white when the image's
///   alpha-weighted mean gray is below 128 (dark ink), black otherwise; out = round((L·a + bg·(255 − a))
///   / 255). A digit drawn on a transparent canvas stays visible whatever its colour, and the result
///   reads like an opaque image of the same look (invert it or not as for any photo). Over black
///   always, a black digit on a transparent canvas, which browsers' drawing canvases produce, would vanish.
/// - JPEG: accurate integer IDCT and fancy upsampling (libjpeg-turbo's defaults, Pillow's too).
///   Grayscale files give their samples; colour files are decoded to RGB, then luma (libjpeg-turbo's
///   gray output, the stored Y, differs from Pillow by up to 13 levels where RGB clamps); CMYK and
///   YCCK files as CMYK, inverted when an Adobe APP14 marker is present (Photoshop's convention, which
///   Pillow and browsers follow), then R = (255 − K) − C(255 − K)/255 and so on, then luma.
///   A libjpeg warning counts as damage (a truncated file gives one), except those about data that
///   holds no pixels, such as "extraneous bytes before marker", which some cameras produce.
///
/// Images over `maxSide` on a side or `maxPixels` in all are refused from their header, before any
/// pixel memory is allocated.
public enum ImageDecoder {
    /// The longest side accepted.
    public static let maxSide = 8192
    /// The most pixels accepted (40 megapixels).
    public static let maxPixels = 40_000_000

    /// The format `bytes` starts with, or nil: PNG's eight-byte signature, or JPEG's FF D8 FF.
    /// A file name's extension plays no part.
    public static func format(of bytes: some Collection<UInt8>) -> ImageFormat? {
        if bytes.starts(with: ImageFormat.pngSignature) { return .png }
        if bytes.starts(with: ImageFormat.jpegSignature) { return .jpeg }
        return nil
    }

    /// The image in `bytes`, a PNG or JPEG file, as 8-bit gray at its own size.
    /// - Throws: `ImageDecodingError`.
    public static func decode(_ bytes: [UInt8]) throws -> GrayImage {
        guard !bytes.isEmpty else { throw ImageDecodingError.empty }
        switch format(of: bytes) {
        case .png: return try decodePNG(bytes)
        case .jpeg: return try decodeJPEG(bytes)
        case nil: throw ImageDecodingError.notPNGOrJPEG(prefix: Array(bytes.prefix(8)))
        }
    }

    /// Refuses a header's size over the limits. (libpng and libjpeg-turbo refuse a zero dimension.)
    static func checkSize(width: Int, height: Int) throws {
        guard width <= maxSide, height <= maxSide, width * height <= maxPixels else {
            throw ImageDecodingError.tooLarge(width: width, height: height)
        }
    }

    /// BT.601 luma with Pillow's rounding.
    @inline(__always)
    static func luma(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (19595 * Int(red) + 38470 * Int(green) + 7471 * Int(blue) + 32768) >> 16)
    }
}
