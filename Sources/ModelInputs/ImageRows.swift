import ImageDecoding
import Trainer

/// One row from a PNG or JPEG image for a model whose inputs are a square picture (784 = 28×28):
/// decoded to 8-bit grayscale, resized to the model's side (area averaging; bilinear when
/// enlarging), inverted when asked (for dark digits on a light background), each byte a feature
/// of byte / 255 as in MNIST's IDX files.
public enum ImageRows {
    /// The side of the square picture a model of `inputs` features takes, or nil.
    public static func side(inputs: Int) -> Int? {
        let side = Int(Double(inputs).squareRoot().rounded())
        return side * side == inputs && side > 0 ? side : nil
    }

    public static func isImage(_ bytes: some Collection<UInt8>) -> Bool { ImageDecoder.format(of: bytes) != nil }

    /// The image's row for a model of `inputs` features.
    public static func row(_ bytes: [UInt8], inputs: Int, invert: Bool, name: String) throws -> FeatureRows {
        guard let side = side(inputs: inputs) else {
            throw InputError("this model takes \(inputs) features, not a square picture; send rows of numbers instead of an image")
        }
        let image: GrayImage
        do {
            image = try ImageDecoder.decode(bytes)
        } catch {
            throw InputError("\(error)")
        }
        var scaled = image.resized(width: side, height: side)
        if invert { scaled = scaled.inverted() }
        return FeatureRows(split: Split(count: 1, features: inputs, images: scaled.pixels, labels: [0]), names: [name])
    }
}
