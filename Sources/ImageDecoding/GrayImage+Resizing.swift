extension GrayImage {
    /// The image at `width`×`height`, each axis on its own: area averaging when it shrinks (an output
    /// pixel is the mean of the source pixels under its footprint, each weighted by the fraction of it
    /// covered, so edge pixels count partly), bilinear interpolation between pixel centres when it
    /// grows (edge pixels repeated outward), unchanged when it keeps its size. The arithmetic is exact
    /// integer arithmetic rounded once to the nearest level, halves up: the same bytes on every machine.
    /// The aspect ratio is not kept; crop or pad first to keep it.
    public func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        precondition(width > 0 && height > 0, "resizing an empty \(width)×\(height) image")
        precondition(
            (1...65536).contains(newWidth) && (1...65536).contains(newHeight),
            "resizing to \(newWidth)×\(newHeight); each side must be 1...65536")
        if newWidth == width && newHeight == height { return self }
        let columns = ResamplingAxis(from: width, to: newWidth)
        let rows = ResamplingAxis(from: height, to: newHeight)

        // Rows first, unrounded: sums of pixel × column weight (each at most 255 · columns.denominator).
        var across = [Int](repeating: 0, count: height * newWidth)
        for y in 0..<height {
            let row = y * width
            for (x, tap) in columns.taps.enumerated() {
                var sum = 0
                for (offset, weight) in tap.weights.enumerated() {
                    sum += Int(pixels[row + tap.first + offset]) * weight
                }
                across[y * newWidth + x] = sum
            }
        }
        // Then columns. A sum is at most 255 · columns.denominator · rows.denominator, each denominator
        // the source side or twice the output side (≤ 2¹⁷): far inside Int for any image in memory.
        let denominator = columns.denominator * rows.denominator
        var output = [UInt8](repeating: 0, count: newWidth * newHeight)
        for (y, tap) in rows.taps.enumerated() {
            for x in 0..<newWidth {
                var sum = 0
                for (offset, weight) in tap.weights.enumerated() {
                    sum += across[(tap.first + offset) * newWidth + x] * weight
                }
                output[y * newWidth + x] = UInt8((sum + denominator / 2) / denominator)
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: output)
    }
}
