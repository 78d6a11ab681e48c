import Testing
@testable import ImageDecoding

// PNG: the same samples through the same integer formulas, so exact. JPEG: both sides are libjpeg-turbo
// (accurate integer IDCT, fancy upsampling) then the same integer luma; the system's 2.1.5 and Pillow
// 13's bundled 3.2.0 agree exactly on these files, and 1 level allows another build's rounding.
// (libjpeg-turbo's own gray output, the stored Y, differs from Pillow by up to 13 on the colour
// fixtures, where clamping RGB to 0...255 moves the luma: that is why colour JPEGs decode to RGB.)
private let fixtures = [
    Fixture(name: "gray28.png", width: 28, height: 28, tolerance: 0),
    Fixture(name: "rgb40x30.png", width: 40, height: 30, tolerance: 0),
    Fixture(name: "interlaced.png", width: 21, height: 17, tolerance: 0),
    Fixture(name: "palette.png", width: 24, height: 18, tolerance: 0),
    Fixture(name: "rgba.png", width: 20, height: 16, tolerance: 0),
    Fixture(name: "gray_alpha.png", width: 18, height: 14, tolerance: 0),
    Fixture(name: "gray16.png", width: 20, height: 12, tolerance: 0),
    Fixture(name: "baseline.jpg", width: 30, height: 22, tolerance: 1),
    Fixture(name: "gray.jpg", width: 28, height: 28, tolerance: 1),
    Fixture(name: "progressive.jpg", width: 33, height: 25, tolerance: 1),
    Fixture(name: "cmyk.jpg", width: 20, height: 14, tolerance: 1),
]

@Test(arguments: fixtures)
func decodesLikePillow(_ fixture: Fixture) throws {
    let bytes = try fixture.bytes()
    #expect(ImageDecoder.format(of: bytes) == (fixture.name.hasSuffix(".png") ? .png : .jpeg))
    let image = try ImageDecoder.decode(bytes)
    let expected = try fixture.expectedPixels()
    #expect(image.width == fixture.width && image.height == fixture.height)
    try #require(image.pixels.count == expected.count)
    let differences = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }
    let worst = differences.max() ?? 0
    #expect(
        worst <= fixture.tolerance,
        "\(differences.filter { $0 > 0 }.count) of \(differences.count) pixels differ, by up to \(worst)")
    // The fixtures are not flat: a decoder that returned a constant image would fail above anyway,
    // but say so plainly.
    #expect(Set(expected).count > 2)
}

@Test func compositesTransparencyAwayFromTheInk() throws {
    // rgba.png: dark ink on a transparent background, so the background turns white.
    let dark = try ImageDecoder.decode(Fixture.load("rgba.png"))
    #expect(dark.pixels[0] == 255)
    // gray_alpha.png: light ink (gray ≥ 200) on partly transparent gray, so the background is black.
    let light = try ImageDecoder.decode(Fixture.load("gray_alpha.png"))
    #expect(light.pixels[0] == 0)
}

@Test func recognisesFormatsBySignatureOnly() {
    #expect(ImageDecoder.format(of: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
    #expect(ImageDecoder.format(of: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
    #expect(ImageDecoder.format(of: [0x89, 0x50, 0x4E, 0x47]) == nil)  // a signature cut short
    #expect(ImageDecoder.format(of: Array("GIF89a".utf8)) == nil)
    #expect(ImageDecoder.format(of: [UInt8]()) == nil)
    #expect(ImageDecoder.format(of: [0xFF, 0xD8, 0xFF][...]) == .jpeg)  // any collection
}
