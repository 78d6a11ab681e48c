import CTurboJPEG

extension ImageDecoder {
    /// TurboJPEG reads the header, then the pixels: as gray for grayscale files, as RGB for colour
    /// files (gray is then the luma of the RGB that a viewer shows, as for PNG), as CMYK for CMYK and
    /// YCCK files.
    static func decodeJPEG(_ bytes: [UInt8]) throws -> GrayImage {
        guard let handle = tjInitDecompress() else {
            throw ImageDecodingError.damagedJPEG(message: "libjpeg-turbo did not start: " + errorText(nil))
        }
        defer { tjDestroy(handle) }
        return try bytes.withUnsafeBufferPointer { file in
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            try check(
                tjDecompressHeader3(handle, file.baseAddress, UInt(file.count), &width, &height, &subsampling, &colorspace),
                handle)
            try checkSize(width: Int(width), height: Int(height))

            let format: TJPF, channels: Int
            switch UInt32(colorspace) {
            case TJCS_GRAY.rawValue: (format, channels) = (TJPF_GRAY, 1)
            case TJCS_CMYK.rawValue, TJCS_YCCK.rawValue: (format, channels) = (TJPF_CMYK, 4)
            default: (format, channels) = (TJPF_RGB, 3)
            }
            var samples = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
            try check(
                samples.withUnsafeMutableBufferPointer {
                    tjDecompress2(handle, file.baseAddress, UInt(file.count), $0.baseAddress, width, 0, height, Int32(format.rawValue), 0)
                }, handle)

            let pixels: [UInt8]
            switch channels {
            case 1: pixels = samples
            case 3: pixels = stride(from: 0, to: samples.count, by: 3).map { luma(samples[$0], samples[$0 + 1], samples[$0 + 2]) }
            default: pixels = grayFromCMYK(samples, isInverted: hasAdobeMarker(file))
            }
            return GrayImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    /// Throws for a failed call, and for a warning unless it is one of `harmlessWarnings`. (libjpeg
    /// reports only a file's first warning, so a harmless one can hide a later one.)
    private static func check(_ result: Int32, _ handle: tjhandle) throws {
        guard result != 0 else { return }
        let message = errorText(handle)
        let isHarmless = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
            && harmlessWarnings.contains { message.contains($0) }
        guard isHarmless else { throw ImageDecodingError.damagedJPEG(message: message) }
    }

    /// libjpeg warnings about data that carries no pixels (junk between segments, a newer JFIF
    /// version, a malformed ICC profile or Adobe transform code); every other warning means pixels were
    /// lost or guessed: bad entropy-coded data, a file that ends early.
    static let harmlessWarnings = [
        "extraneous bytes before marker", "unknown JFIF revision", "bad ICC marker", "Unknown Adobe color transform",
    ]

    /// Luma of the RGB that CMYK stands for, with Pillow's arithmetic: R = (255 − K) − C(255 − K)/255.
    static func grayFromCMYK(_ samples: [UInt8], isInverted: Bool) -> [UInt8] {
        func mulDiv255(_ a: Int, _ b: Int) -> Int {
            let product = a * b + 128
            return ((product >> 8) + product) >> 8
        }
        return stride(from: 0, to: samples.count, by: 4).map { base in
            let flip = isInverted ? 255 : 0
            let cyan = Int(samples[base]) ^ flip, magenta = Int(samples[base + 1]) ^ flip
            let yellow = Int(samples[base + 2]) ^ flip, notBlack = 255 - (Int(samples[base + 3]) ^ flip)
            return luma(
                UInt8(notBlack - mulDiv255(cyan, notBlack)), UInt8(notBlack - mulDiv255(magenta, notBlack)),
                UInt8(notBlack - mulDiv255(yellow, notBlack)))
        }
    }

    /// Whether an APP14 segment starting "Adobe" comes before the first scan: Photoshop writes one and
    /// stores CMYK inverted, and readers (Pillow, browsers) take the marker to mean inverted.
    static func hasAdobeMarker(_ file: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = 2  // after SOI
        while offset + 4 <= file.count, file[offset] == 0xFF {
            let marker = file[offset + 1]
            if marker == 0xFF { offset += 1; continue }  // fill byte
            if marker == 0xDA || marker == 0xD9 { return false }  // start of scan, end of image
            if (0xD0...0xD8).contains(marker) || marker == 0x01 { offset += 2; continue }  // no length
            let length = Int(file[offset + 2]) << 8 | Int(file[offset + 3])
            if marker == 0xEE, length >= 7, offset + 9 <= file.count,
                Array(file[(offset + 4)..<(offset + 9)]) == Array("Adobe".utf8)
            {
                return true
            }
            offset += 2 + length
        }
        return false
    }

    private static func errorText(_ handle: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "libjpeg-turbo gave no reason" }
        return String(cString: text)
    }
}
