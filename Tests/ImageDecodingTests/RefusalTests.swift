import Testing
@testable import ImageDecoding

private func refusal(_ bytes: [UInt8]) -> ImageDecodingError? {
    do {
        _ = try ImageDecoder.decode(bytes)
        return nil
    } catch let error as ImageDecodingError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Test func crcMatchesTheKnownCheckValue() {
    #expect(CraftedFiles.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
}

@Test func refusesEmptyInput() {
    #expect(refusal([]) == .empty)
    #expect(refusal([])?.description == "it is empty (0 bytes); give a .png or .jpg image")
}

@Test func refusesBytesThatAreNeitherPNGNorJPEG() {
    var state: UInt32 = 12345
    let noise = (0..<500).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(state >> 24)
    }
    let error = refusal(noise)
    #expect(error == .notPNGOrJPEG(prefix: Array(noise.prefix(8))))
    #expect(error?.description.hasPrefix("not a PNG or JPEG image (it starts with ") == true)
    #expect(
        refusal(Array("GIF89a\u{1}\u{0}".utf8))?.description
            == #"not a PNG or JPEG image (it starts with 47 49 46 38 39 61 01 00 "GIF89a.."); give a .png or .jpg file"#)
}

@Test(arguments: ["rgb40x30.png", "interlaced.png", "gray16.png"])
func refusesATruncatedPNG(_ name: String) throws {
    let bytes = try Fixture.load(name)
    for length in [9, 30, bytes.count / 2, bytes.count - 13] {
        guard case .damagedPNG(let message)? = refusal(Array(bytes.prefix(length))) else {
            Issue.record("\(name) cut to \(length) bytes was not refused as a damaged PNG")
            continue
        }
        #expect(!message.isEmpty)
    }
}

@Test func refusesAPNGWithACorruptedChunk() throws {
    let bytes = try Fixture.load("rgb40x30.png")
    var header = bytes
    header[20] ^= 0x01  // the IHDR width: its CRC no longer matches
    #expect(refusal(header) == .damagedPNG(message: "IHDR: CRC error"))
    #expect(refusal(header)?.description == "the PNG is damaged: IHDR: CRC error; save it again from an image editor")
    var data = bytes
    data[data.count / 2] ^= 0x5A  // inside the compressed pixels: zlib notices first
    guard case .damagedPNG? = refusal(data) else {
        Issue.record("a corrupted IDAT was not refused as a damaged PNG")
        return
    }
}

@Test(arguments: ["baseline.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg"])
func refusesATruncatedJPEG(_ name: String) throws {
    let bytes = try Fixture.load(name)
    for length in [3, 40, bytes.count / 2, bytes.count - 2] {
        guard case .damagedJPEG(let message)? = refusal(Array(bytes.prefix(length))) else {
            Issue.record("\(name) cut to \(length) bytes was not refused as a damaged JPEG")
            continue
        }
        #expect(!message.isEmpty)
    }
}

@Test func namesTheJPEGProblem() throws {
    let bytes = try Fixture.load("baseline.jpg")
    #expect(
        refusal(Array(bytes.prefix(bytes.count - 100)))?.description
            == "the JPEG is damaged or unsupported: Premature end of JPEG file; save it again as a baseline JPEG or as PNG")
}

@Test func acceptsExtraneousBytesBeforeAMarker() throws {
    let bytes = try Fixture.load("baseline.jpg")
    let padded = CraftedFiles.jpegWithExtraneousBytes(bytes)
    #expect(try ImageDecoder.decode(padded) == ImageDecoder.decode(bytes))
}

@Test func refusesOversizedPNGHeadersBeforeAllocating() throws {
    // 100000² gray bytes would be 10 GB: a refusal that came after allocating would not be quick, or at all.
    #expect(refusal(CraftedFiles.png(width: 100_000, height: 100_000)) == .tooLarge(width: 100_000, height: 100_000))
    #expect(refusal(CraftedFiles.png(width: 8193, height: 1)) == .tooLarge(width: 8193, height: 1))
    #expect(refusal(CraftedFiles.png(width: 7000, height: 7000)) == .tooLarge(width: 7000, height: 7000))  // 49 MP
    #expect(
        refusal(CraftedFiles.png(width: 20000, height: 20000))?.description
            == "the image is 20000×20000; the largest accepted is 8192×8192 and 40 megapixels; scale it down first")
    // Within the limits the same crafted header goes on to fail on its missing pixels.
    guard case .damagedPNG? = refusal(CraftedFiles.png(width: 8192, height: 4)) else {
        Issue.record("a header within the limits was not read on")
        return
    }
}

@Test func refusesOversizedJPEGHeadersBeforeAllocating() throws {
    let bytes = try Fixture.load("baseline.jpg")
    #expect(refusal(CraftedFiles.jpeg(bytes, width: 60000, height: 60000)) == .tooLarge(width: 60000, height: 60000))
    #expect(refusal(CraftedFiles.jpeg(bytes, width: 7000, height: 7000)) == .tooLarge(width: 7000, height: 7000))
    let progressive = try Fixture.load("progressive.jpg")
    #expect(refusal(CraftedFiles.jpeg(progressive, width: 30, height: 9000)) == .tooLarge(width: 30, height: 9000))
}
