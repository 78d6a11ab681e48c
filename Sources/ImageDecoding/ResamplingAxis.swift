/// How one axis of `GrayImage.resized(width:height:)` maps source pixels to output pixels: for each
/// output index, the first source index it reads and integer weights that sum to `denominator`.
struct ResamplingAxis {
    struct Taps {
        let first: Int
        let weights: [Int]
    }

    let taps: [Taps]
    let denominator: Int

    init(from source: Int, to output: Int) {
        precondition(source > 0 && output > 0, "resampling \(source) pixels to \(output)")
        if output == source {
            taps = (0..<output).map { Taps(first: $0, weights: [1]) }
            denominator = 1
        } else if output < source {
            // Box filter. Measured in units of 1/(source·output) of the image, source pixel i covers
            // [i·output, (i+1)·output) and output pixel j covers [j·source, (j+1)·source): the overlaps
            // are integers and those of one output pixel sum to `source`.
            taps = (0..<output).map { j in
                let start = j * source, end = (j + 1) * source
                let first = start / output, last = (end - 1) / output
                return Taps(
                    first: first,
                    weights: (first...last).map { i in min((i + 1) * output, end) - max(i * output, start) })
            }
            denominator = source
        } else {
            // Bilinear between pixel centres: output pixel j's centre lies at source coordinate
            // (j + ½)·source/output − ½ = ((2j + 1)·source − output) / (2·output); beyond the outer
            // centres the edge pixel is repeated.
            let scale = 2 * output
            taps = (0..<output).map { j in
                let position = (2 * j + 1) * source - output
                if position <= 0 { return Taps(first: 0, weights: [scale]) }
                let index = position / scale, fraction = position % scale
                if index >= source - 1 { return Taps(first: source - 1, weights: [scale]) }
                return Taps(first: index, weights: [scale - fraction, fraction])
            }
            denominator = scale
        }
    }
}
