import JSONText

/// The safetensors format (https://github.com/huggingface/safetensors), F32 tensors only: an 8-byte
/// little-endian header length N, N bytes of a JSON object that maps each tensor name to
/// `{"dtype", "shape", "data_offsets"}` (offsets relative to the data after the header) and may hold
/// `"__metadata__"`, an object of strings; then the tensors' bytes.
public enum Safetensors {
    /// The dtypes the format defines; a file using one other than F32 gets a clearer refusal than a
    /// file with a dtype nobody knows.
    static let knownDtypes: Set<String> = [
        "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "I16", "U16",
        "F16", "BF16", "I32", "U32", "F32", "F64", "C64", "I64", "U64",
    ]

    /// Tensors in the given order, contiguous, F32 little-endian; header keys in that order with
    /// "__metadata__" first (omitted when empty, its keys sorted) and the header padded with spaces to
    /// a multiple of 8 bytes, as the Rust reference writer does.
    ///
    /// Names must be distinct and not "__metadata__". Values are written as they are, but `decode`
    /// refuses NaN and infinities, so a diverged network should not be exported.
    public static func encode(_ tensors: [Tensor], metadata: [String: String]) -> [UInt8] {
        var names = Set<String>()
        for tensor in tensors {
            precondition(tensor.name != "__metadata__", "a tensor cannot be named __metadata__")
            precondition(names.insert(tensor.name).inserted, "two tensors are named \(tensor.name)")
        }
        var header: [UInt8] = [UInt8(ascii: "{")]
        if !metadata.isEmpty {
            JSONText.appendString("__metadata__", to: &header)
            header.append(contentsOf: Array(":{".utf8))
            for (index, key) in metadata.keys.sorted().enumerated() {
                if index > 0 { header.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                JSONText.appendString(metadata[key] ?? "", to: &header)
            }
            header.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for tensor in tensors {
            if header.count > 1 { header.append(UInt8(ascii: ",")) }
            JSONText.appendString(tensor.name, to: &header)
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            let end = offset + 4 * tensor.values.count
            header.append(contentsOf: Array(":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}".utf8))
            offset = end
        }
        header.append(UInt8(ascii: "}"))
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        for tensor in tensors {
            for value in tensor.values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { file.append(contentsOf: $0) }
            }
        }
        return file
    }
}
