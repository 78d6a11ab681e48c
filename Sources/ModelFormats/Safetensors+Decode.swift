extension Safetensors {
    /// One tensor's header entry once checked against the buffer; `index` is its place in the header.
    private struct Entry {
        let name: String
        let shape: [Int]
        let count: Int
        let begin: Int
        let end: Int
        let index: Int
    }

    /// Strict decode: returns the tensors ordered by their offsets, and the metadata.
    ///
    /// Refuses, each with its own `SafetensorsError`: a header length that is 0, above 100 MB or past
    /// the end of the file; a header that is not UTF-8, not a JSON object, starts with whitespace, has
    /// duplicate keys or anything but spaces after the object; entries without exactly dtype, shape and
    /// data_offsets;
    /// dtypes other than F32; shapes that are not non-negative integers or whose size overflows;
    /// offsets that do not match the shape, leave the buffer, overlap, leave gaps or leave bytes after
    /// the last tensor; NaN and infinite values; `__metadata__` that is not an object of strings.
    /// Nothing is allocated on the header's word alone: every size is checked against the file first.
    public static func decode(_ bytes: [UInt8]) throws(SafetensorsError) -> (tensors: [Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw .fileTooShort(byteCount: bytes.count) }
        let length = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length > 0 else { throw .emptyHeader }
        guard length <= SafetensorsError.maxHeaderLength else { throw .headerTooLarge(length: length) }
        guard length <= UInt64(bytes.count - 8) else { throw .headerBeyondFile(length: length, available: bytes.count - 8) }
        let dataStart = 8 + Int(length)
        // The reference reader insists on '{' first; a file it refuses should not pass here.
        if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[8]) {
            throw .invalidJSON(offset: 0, reason: "whitespace before the header's '{', which the reference reader refuses")
        }
        let root = try JSONParser.parse(bytes[8..<dataStart])
        guard case .object(let members) = root else { throw .headerNotObject(found: root.kind) }

        let bufferSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (index, (key, value)) in members.enumerated() {
            if key == "__metadata__" {
                metadata = try decodeMetadata(value)
            } else {
                entries.append(try decodeEntry(name: key, value, index: index, bufferSize: bufferSize))
            }
        }

        entries.sort { ($0.begin, $0.end, $0.index) < ($1.begin, $1.end, $1.index) }
        var covered = 0, previous = ""
        for entry in entries {
            if entry.begin < covered { throw .overlap(tensor: entry.name, other: previous) }
            if entry.begin > covered { throw .gap(tensor: entry.name, bytes: entry.begin - covered) }
            covered = entry.end
            previous = entry.name
        }
        if covered < bufferSize { throw .trailingBytes(count: bufferSize - covered) }

        var tensors: [Tensor] = []
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            var values: [Float] = []
            values.reserveCapacity(entry.count)
            var position = dataStart + entry.begin
            for index in 0..<entry.count {
                let bits = UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
                    | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
                let value = Float(bitPattern: bits)
                guard value.isFinite else { throw .nonFiniteValue(tensor: entry.name, index: index) }
                values.append(value)
                position += 4
            }
            tensors.append(Tensor(name: entry.name, shape: entry.shape, values: values))
        }
        return (tensors, metadata)
    }

    private static func decodeMetadata(_ value: JSONValue) throws(SafetensorsError) -> [String: String] {
        guard case .object(let members) = value else { throw .invalidMetadata(reason: "is a JSON \(value.kind), not an object") }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value else {
                throw .invalidMetadata(reason: "value of \(quoted(key)) is a JSON \(value.kind)")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func decodeEntry(name: String, _ value: JSONValue, index: Int, bufferSize: Int) throws(SafetensorsError) -> Entry {
        guard case .object(let fields) = value else { throw .entryNotObject(tensor: name, found: value.kind) }
        var dtype: JSONValue?, shape: JSONValue?, offsets: JSONValue?
        for (field, value) in fields {
            switch field {
            case "dtype": dtype = value
            case "shape": shape = value
            case "data_offsets": offsets = value
            default: throw .unexpectedField(tensor: name, field: field)
            }
        }
        guard let dtype else { throw .missingField(tensor: name, field: "dtype") }
        guard let shape else { throw .missingField(tensor: name, field: "shape") }
        guard let offsets else { throw .missingField(tensor: name, field: "data_offsets") }

        guard case .string(let dtypeName) = dtype else {
            throw .wrongFieldType(tensor: name, field: "dtype", found: dtype.kind, expected: "a string")
        }
        guard dtypeName == "F32" else {
            throw knownDtypes.contains(dtypeName)
                ? .unsupportedDtype(tensor: name, dtype: dtypeName) : .unknownDtype(tensor: name, dtype: dtypeName)
        }

        guard case .array(let dimensions) = shape else {
            throw .wrongFieldType(tensor: name, field: "shape", found: shape.kind, expected: "an array of integers")
        }
        var dims: [Int] = []
        var count = 1
        for (position, dimension) in dimensions.enumerated() {
            guard let dim = dimension.integer, dim >= 0 else {
                throw .invalidDimension(tensor: name, index: position, reason: whyNotCount(dimension))
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw .elementCountOverflow(tensor: name) }
            dims.append(dim)
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow else { throw .elementCountOverflow(tensor: name) }

        guard case .array(let pair) = offsets else {
            throw .wrongFieldType(tensor: name, field: "data_offsets", found: offsets.kind, expected: "an array of two integers")
        }
        guard pair.count == 2 else { throw .invalidOffsets(tensor: name, reason: "\(pair.count) values, expected [begin, end]") }
        guard let begin = pair[0].integer, begin >= 0 else { throw .invalidOffsets(tensor: name, reason: "begin \(whyNotCount(pair[0]))") }
        guard let end = pair[1].integer, end >= 0 else { throw .invalidOffsets(tensor: name, reason: "end \(whyNotCount(pair[1]))") }
        guard begin <= end else { throw .invalidOffsets(tensor: name, reason: "begin \(begin) is after end \(end)") }
        guard end - begin == byteCount else { throw .sizeMismatch(tensor: name, expectedBytes: byteCount, actualBytes: end - begin) }
        guard end <= bufferSize else { throw .offsetsBeyondBuffer(tensor: name, end: end, bufferSize: bufferSize) }
        return Entry(name: name, shape: dims, count: count, begin: begin, end: end, index: index)
    }

    /// Why a value that should be a non-negative integer is not one, e.g. "is -3, negative".
    private static func whyNotCount(_ value: JSONValue) -> String {
        guard case .number(let literal) = value else { return "is a JSON \(value.kind)" }
        let shown = literal.count > 24 ? literal.prefix(24) + "…" : Substring(literal)
        if literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return "is \(shown), not an integer" }
        if literal.hasPrefix("-") { return "is \(shown), negative" }
        return "is \(shown), too large"
    }
}
