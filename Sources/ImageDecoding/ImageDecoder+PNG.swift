import CPNG

extension ImageDecoder {
    /// libpng's simplified API reads the header, then the whole image as 8-bit gray or RGB (with
    /// alpha when the file has any); luma and compositing follow `ImageDecoder`'s rules.
    static func decodePNG(_ bytes: [UInt8]) throws -> GrayImage {
        // libpng keeps the pointer from begin_read until finish_read: both run inside one closure.
        try bytes.withUnsafeBytes { file in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }  // a no-op once finish_read or a failure has freed it
            guard png_image_begin_read_from_memory(&image, file.baseAddress, file.count) != 0 else {
                throw ImageDecodingError.damagedPNG(message: message(of: image))
            }
            let width = Int(image.width), height = Int(image.height)
            try checkSize(width: width, height: height)

            let hasColor = image.format & PNG_FORMAT_FLAG_COLOR != 0
            let hasAlpha = image.format & PNG_FORMAT_FLAG_ALPHA != 0
            image.format = (hasColor ? PNG_FORMAT_FLAG_COLOR : 0) | (hasAlpha ? PNG_FORMAT_FLAG_ALPHA : 0)
            image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
            let channels = (hasColor ? 3 : 1) + (hasAlpha ? 1 : 0)
            var samples = [UInt8](repeating: 0, count: width * height * channels)
            let finished = samples.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard finished != 0 else { throw ImageDecodingError.damagedPNG(message: message(of: image)) }

            var gray: [UInt8]
            if hasColor {
                gray = [UInt8](repeating: 0, count: width * height)
                for index in gray.indices {
                    let base = index * channels
                    gray[index] = luma(samples[base], samples[base + 1], samples[base + 2])
                }
            } else if hasAlpha {
                gray = stride(from: 0, to: samples.count, by: 2).map { samples[$0] }
            } else {
                gray = samples
            }
            if hasAlpha {
                composite(&gray, alphaIn: samples, channels: channels)
            }
            return GrayImage(width: width, height: height, pixels: gray)
        }
    }

    /// Flattens `gray` over white when its alpha-weighted mean is below 128 (dark ink), else over black;
    /// alpha is the last of `channels` interleaved samples per pixel.
    static func composite(_ gray: inout [UInt8], alphaIn samples: [UInt8], channels: Int) {
        var inkSum = 0, alphaSum = 0
        for index in gray.indices {
            let weight = Int(samples[index * channels + channels - 1])
            inkSum += Int(gray[index]) * weight
            alphaSum += weight
        }
        let background = alphaSum > 0 && inkSum < 128 * alphaSum ? 255 : 0
        for index in gray.indices {
            let weight = Int(samples[index * channels + channels - 1])
            gray[index] = UInt8((Int(gray[index]) * weight + background * (255 - weight) + 127) / 255)
        }
    }

    private static func message(of image: png_image) -> String {
        let text = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return text.isEmpty ? "libpng gave no reason" : text
    }
}
