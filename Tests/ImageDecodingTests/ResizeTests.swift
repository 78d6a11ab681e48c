import Testing
@testable import ImageDecoding

/// A checkerboard of `block`×`block` squares of `dark` and `light`, top-left dark.
private func checkerboard(side: Int, block: Int, dark: UInt8 = 30, light: UInt8 = 200) -> GrayImage {
    let pixels = (0..<side * side).map { index in
        (index / side / block + index % side / block) % 2 == 0 ? dark : light
    }
    return GrayImage(width: side, height: side, pixels: pixels)
}

/// A deterministic image with no structure a filter could hide behind.
private func noise(width: Int, height: Int) -> GrayImage {
    var state: UInt32 = 99
    return GrayImage(width: width, height: height, pixels: (0..<width * height).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(state >> 24)
    })
}

/// The exact area average in Double, straight from the definition: the integral of the source over
/// the output pixel's footprint divided by the footprint's area.
private func areaAverage(_ image: GrayImage, width: Int, height: Int, x: Int, y: Int) -> Double {
    let scaleX = Double(image.width) / Double(width), scaleY = Double(image.height) / Double(height)
    let left = Double(x) * scaleX, right = Double(x + 1) * scaleX
    let top = Double(y) * scaleY, bottom = Double(y + 1) * scaleY
    var sum = 0.0
    for sy in 0..<image.height {
        let coverY = max(0, min(bottom, Double(sy + 1)) - max(top, Double(sy)))
        guard coverY > 0 else { continue }
        for sx in 0..<image.width {
            let coverX = max(0, min(right, Double(sx + 1)) - max(left, Double(sx)))
            sum += Double(image.pixels[sy * image.width + sx]) * coverX * coverY
        }
    }
    return sum / (scaleX * scaleY)
}

/// Each output pixel is the exact value rounded to the nearest level (a tie may go either way in Double).
private func expectRoundsToNearest(_ result: GrayImage, _ exact: (Int, Int) -> Double) {
    var worst = 0.0
    for y in 0..<result.height {
        for x in 0..<result.width {
            worst = max(worst, abs(Double(result.pixels[y * result.width + x]) - exact(x, y)))
        }
    }
    #expect(worst <= 0.5 + 1e-9, "an output pixel is \(worst) levels from the exact value")
}

@Test func shrinkingAlignedBlocksGivesTheirValues() {
    let board = checkerboard(side: 56, block: 2)
    #expect(board.resized(width: 28, height: 28) == checkerboard(side: 28, block: 1))
    // 4×4 footprints hold two dark and two light blocks: (30 + 200) / 2 = 115 exactly.
    #expect(board.resized(width: 14, height: 14).pixels == Array(repeating: 115, count: 196))
    // Half-way values round up: (30 + 201) / 2 = 115.5 → 116.
    #expect(checkerboard(side: 56, block: 2, light: 201).resized(width: 14, height: 14).pixels.allSatisfy { $0 == 116 })
}

@Test func shrinkingWeighsPartlyCoveredPixels() {
    let board = checkerboard(side: 56, block: 2)
    let result = board.resized(width: 21, height: 21)  // footprints of 8/3 pixels
    expectRoundsToNearest(result) { areaAverage(board, width: 21, height: 21, x: $0, y: $1) }
    #expect(Set(result.pixels).count > 2)  // the fractional edges show

    // One row: [0, 90, 180] to 2 pixels of 1.5 source pixels: (0 + 45) / 1.5 = 30, (45 + 180) / 1.5 = 150.
    let row = GrayImage(width: 3, height: 1, pixels: [0, 90, 180]).resized(width: 2, height: 1)
    #expect(row.pixels == [30, 150])

    let image = noise(width: 40, height: 30)  // non-square, different ratios on each axis
    let small = image.resized(width: 28, height: 28)
    expectRoundsToNearest(small) { areaAverage(image, width: 28, height: 28, x: $0, y: $1) }
}

@Test func enlargingInterpolatesBetweenPixelCentres() {
    let image = GrayImage(width: 2, height: 2, pixels: [0, 255, 100, 200])
    // Columns: edge, ¾·a + ¼·b, ¼·a + ¾·b, edge; rows likewise, each value rounded once at the end.
    #expect(image.resized(width: 4, height: 4).pixels == [
        0, 64, 191, 255,
        25, 79, 187, 241,
        75, 110, 179, 214,
        100, 125, 175, 200,
    ])
}

@Test func eachAxisResizesOnItsOwn() {
    let image = noise(width: 10, height: 6)
    let result = image.resized(width: 20, height: 4)  // wider (bilinear) and shorter (area)
    expectRoundsToNearest(result) { x, y in
        // Bilinear along x at the output column's centre, then the area average of those rows along y.
        let position = min(max((Double(x) + 0.5) * 10 / 20 - 0.5, 0), 9)
        let left = Int(position.rounded(.down)), right = min(left + 1, 9), t = position - Double(left)
        let interpolated = (0..<6).map { sy in
            Double(image.pixels[sy * 10 + left]) * (1 - t) + Double(image.pixels[sy * 10 + right]) * t
        }
        let scale = 6.0 / 4.0, top = Double(y) * scale, bottom = Double(y + 1) * scale
        var sum = 0.0
        for sy in 0..<6 {
            sum += interpolated[sy] * max(0, min(bottom, Double(sy + 1)) - max(top, Double(sy)))
        }
        return sum / scale
    }
}

@Test func flatImagesStayFlatAndSameSizeIsUnchanged() {
    let flat = GrayImage(width: 37, height: 23, pixels: Array(repeating: 77, count: 37 * 23))
    for (width, height) in [(28, 28), (100, 5), (1, 1), (37, 60)] {
        #expect(flat.resized(width: width, height: height).pixels.allSatisfy { $0 == 77 })
    }
    let image = noise(width: 28, height: 28)
    #expect(image.resized(width: 28, height: 28) == image)
}

@Test func invertingMapsEachLevelToItsNegative() {
    let image = GrayImage(width: 2, height: 2, pixels: [0, 1, 254, 255])
    #expect(image.inverted().pixels == [255, 254, 1, 0])
    let other = noise(width: 5, height: 3)
    #expect(other.inverted().inverted() == other)
}

@Test func aDecodedFixtureResizesToTheModelInput() throws {
    let image = try ImageDecoder.decode(Fixture.load("rgb40x30.png")).resized(width: 28, height: 28)
    let expected = GrayImage(width: 40, height: 30, pixels: try Fixture.load("rgb40x30.gray")).resized(width: 28, height: 28)
    #expect(image == expected)
}
