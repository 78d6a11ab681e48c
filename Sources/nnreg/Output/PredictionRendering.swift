import Foundation
import Trainer

/// The seed's last cell: each test image drawn in the terminal with its true and predicted label.
enum PredictionRendering {
    /// The example as a square grayscale picture; nil unless it is an image (bytes of a square side).
    static func picture(of index: Int, in split: Split) -> DigitPicture? {
        let side = Int(Double(split.features).squareRoot())
        guard let images = split.images, side * side == split.features else { return nil }
        let start = index * split.features
        return DigitPicture(width: side, height: side, pixels: Array(images[start..<(start + split.features)]))
    }

    static func render(_ predictions: [Prediction], split: Split) -> String {
        predictions.map { prediction in
            let mark = prediction.label == prediction.predicted ? "✓" : "✗"
            let header = String(
                format: "Test image %d: true label %d, model prediction %d (p = %.3f) %@",
                prediction.index, prediction.label, prediction.predicted, prediction.probability, mark)
            return header + (picture(of: prediction.index, in: split).map { "\n" + $0.shaded() } ?? "")
        }.joined(separator: "\n\n")
    }
}
