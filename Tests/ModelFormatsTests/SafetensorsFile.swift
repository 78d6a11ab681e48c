import ModelFormats

/// A safetensors file made by hand: the 8-byte little-endian length of `header`, its UTF-8 bytes and `data`.
func safetensorsFile(_ header: String, data: [UInt8] = []) -> [UInt8] {
    safetensorsFile(headerBytes: Array(header.utf8), data: data)
}

func safetensorsFile(headerBytes: [UInt8], data: [UInt8] = []) -> [UInt8] {
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) } + headerBytes + data
}

/// The error decoding `bytes` throws, nil when it decodes.
func refusal(_ bytes: [UInt8]) -> SafetensorsError? {
    do {
        _ = try Safetensors.decode(bytes)
        return nil
    } catch {
        return error
    }
}

/// A header with one F32 tensor `t` of the given entry JSON.
func oneTensor(_ entry: String) -> String { #"{"t":"# + entry + "}" }
