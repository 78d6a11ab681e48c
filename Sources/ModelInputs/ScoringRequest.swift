/// The bodies MLflow's scoring server (`mlflow models serve`) takes, read into rows of floats:
///
/// - `{"dataframe_split": {"columns": [...], "data": [[...], ...]}}` (`index` ignored)
/// - `{"dataframe_records": [{"col": value, ...}, ...]}`
/// - `{"instances": [[...], ...]}` or a list of records; `{"inputs": [[...], ...]}` or `{"inputs": {"name": [[...]]}}`
/// - `text/csv`: see `CSVRows`
///
/// A tensor's first axis is the rows and the others are flattened (`[n, 28, 28]` or `[n, 784]`);
/// a flat list of numbers is one row. Columns named by their position (`0`, `"12"`, `pixel12`,
/// every position once) are put in that order; other names keep the order given. `params` is
/// accepted and ignored. Every value must be a finite number.
public enum ScoringRequest {
    static let dataKeys = ["dataframe_split", "dataframe_records", "instances", "inputs"]

    /// Reads a JSON body of at most `maxRows` rows.
    public static func rows(json body: UnsafeBufferPointer<UInt8>, maxRows: Int) throws(InputError) -> FeatureRows {
        var cursor = JSONCursor(body)
        guard cursor.take(UInt8(ascii: "{")) else {
            throw InputError("the request body must be a JSON object with one of \(dataKeys.joined(separator: ", ")) (MLflow's scoring format)")
        }
        var result: FeatureRows?
        if !cursor.take(UInt8(ascii: "}")) {
            repeat {
                let key = try cursor.string()
                try cursor.expect(UInt8(ascii: ":"))
                switch key {
                case "params": try cursor.skipValue()
                case "dataframe_split", "dataframe_records", "instances", "inputs":
                    guard result == nil else { throw InputError("the request has more than one of \(dataKeys.joined(separator: ", ")); send one") }
                    var reader = Reader(cursor: cursor, maxRows: maxRows)
                    reader.values.reserveCapacity(min(body.count / 2, 1 << 20))  // a number takes at least two bytes
                    result = try reader.read(key)
                    cursor = reader.cursor
                default:
                    throw InputError("the request has an unknown key \"\(key.prefix(40))\"; MLflow's scoring JSON has one of \(dataKeys.joined(separator: ", "))")
                }
            } while cursor.take(UInt8(ascii: ","))
            try cursor.expect(UInt8(ascii: "}"))
        }
        guard cursor.peek() == nil else { throw cursor.error("text after the JSON object") }
        guard let result else { throw InputError("the request has none of \(dataKeys.joined(separator: ", ")); MLflow's scoring JSON needs one") }
        guard result.count > 0 else { throw InputError("the request holds no rows; send at least one") }
        return result
    }

    /// The order to put named columns in: by the number each name ends with, when those numbers are
    /// 0..<n once each; nil to keep the order given.
    static func positions(of names: [String]) -> [Int]? {
        var positions: [Int] = []
        var seen = Set<Int>()
        for name in names {
            let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int(String(digits.reversed())), n < names.count, seen.insert(n).inserted else { return nil }
            positions.append(n)
        }
        return positions
    }

    private struct Reader {
        var cursor: JSONCursor
        let maxRows: Int
        var values: [Float] = []

        mutating func read(_ key: String) throws(InputError) -> FeatureRows {
            switch key {
            case "dataframe_split": return try split()
            case "dataframe_records": return try records(key)
            default:
                if key == "inputs", cursor.peek() == UInt8(ascii: "{") {
                    cursor.index += 1
                    _ = try cursor.string()
                    try cursor.expect(UInt8(ascii: ":"))
                    let rows = try tensorOrRecords(key)
                    guard cursor.take(UInt8(ascii: "}")) else {
                        throw InputError("\"inputs\" names more than one input; this model takes one")
                    }
                    return rows
                }
                return try tensorOrRecords(key)
            }
        }

        mutating func tensorOrRecords(_ key: String) throws(InputError) -> FeatureRows {
            var probe = cursor
            if probe.take(UInt8(ascii: "[")), probe.peek() == UInt8(ascii: "{") { return try records(key) }
            return try tensor(key)
        }

        /// A rectangular array of numbers, any depth: rows along its first axis.
        mutating func tensor(_ key: String) throws(InputError) -> FeatureRows {
            guard cursor.peek() == UInt8(ascii: "[") else { throw InputError("\"\(key)\" must be an array of rows, not \(cursor.kindAhead())") }
            let shape = try shapedArray(depth: 0, key: key)
            guard !values.isEmpty else { throw InputError("\"\(key)\" holds no values; send at least one row") }
            let rows = shape.count >= 2 ? shape[0] : 1
            return made(width: values.count / rows, count: rows)
        }

        /// Reads an array, appending its numbers to `values`; returns its shape. Every element must
        /// have the first one's shape.
        private mutating func shapedArray(depth: Int, key: String) throws(InputError) -> [Int] {
            guard depth < JSONCursor.maxDepth else { throw cursor.error("nesting deeper than \(JSONCursor.maxDepth)") }
            try cursor.expect(UInt8(ascii: "["))
            // A row of numbers, the common case, in a loop of its own.
            if cursor.peek() != UInt8(ascii: "[") {
                do {
                    if let count = try cursor.numberRow(into: &values) { return [count] }
                } catch {
                    throw InputError(error.description.hasPrefix("value ") ? "\"\(key)\" \(error.description)" : error.description)
                }
                throw InputError("\"\(key)\" value \(values.count) is \(cursor.kindAhead()); every feature must be a finite number")
            }
            var count = 0
            var elementShape: [Int]?
            if !cursor.take(UInt8(ascii: "]")) {
                repeat {
                    let shape: [Int]
                    if cursor.peek() == UInt8(ascii: "[") {
                        if depth == 0, count >= maxRows { throw tooMany() }
                        shape = try shapedArray(depth: depth + 1, key: key)
                    } else if let value = try cursor.number() {
                        values.append(value)
                        shape = []
                    } else {
                        throw InputError("\"\(key)\" value \(values.count) is \(cursor.kindAhead()); every feature must be a finite number")
                    }
                    if let elementShape {
                        guard elementShape == shape else { throw InputError("\"\(key)\" is ragged: its rows must all have the same shape") }
                    } else {
                        elementShape = shape
                    }
                    count += 1
                } while cursor.take(UInt8(ascii: ","))
                try cursor.expect(UInt8(ascii: "]"))
            }
            return [count] + (elementShape ?? [])
        }

        /// `{"columns": [...], "data": [[...], ...], "index": [...]}`.
        mutating func split() throws(InputError) -> FeatureRows {
            guard cursor.take(UInt8(ascii: "{")) else { throw InputError("\"dataframe_split\" must be an object with columns and data") }
            var columns: [String]?
            var data: FeatureRows?
            if !cursor.take(UInt8(ascii: "}")) {
                repeat {
                    let key = try cursor.string()
                    try cursor.expect(UInt8(ascii: ":"))
                    switch key {
                    case "columns":
                        var names: [String] = []
                        try cursor.expect(UInt8(ascii: "["))
                        if !cursor.take(UInt8(ascii: "]")) {
                            repeat {
                                if cursor.peek() == UInt8(ascii: "\"") { names.append(try cursor.string()) } else if let n = try cursor.number(), n == n.rounded(), n >= 0, n < 1e9 {
                                    names.append(String(Int(n)))
                                } else {
                                    throw InputError("\"dataframe_split\" columns must be names or numbers")
                                }
                            } while cursor.take(UInt8(ascii: ","))
                            try cursor.expect(UInt8(ascii: "]"))
                        }
                        columns = names
                    case "data":
                        guard cursor.peek() == UInt8(ascii: "[") else { throw InputError("\"dataframe_split\" data must be an array of rows") }
                        let shape = try shapedArray(depth: 0, key: "data")
                        let rows = shape.count >= 2 ? shape[0] : (values.isEmpty ? 0 : 1)
                        data = made(width: rows == 0 ? 0 : values.count / rows, count: rows)
                    default: try cursor.skipValue()
                    }
                } while cursor.take(UInt8(ascii: ","))
                try cursor.expect(UInt8(ascii: "}"))
            }
            guard let data else { throw InputError("\"dataframe_split\" has no data; send {\"columns\": [...], \"data\": [[...]]}") }
            guard let columns else { return data }
            guard columns.count == data.width || data.count == 0 else {
                throw InputError("\"dataframe_split\" names \(columns.count) columns but its rows have \(data.width) values")
            }
            return Self.reordered(data, positions: ScoringRequest.positions(of: columns))
        }

        /// `[{"col": value, ...}, ...]`: every record has the first one's columns.
        mutating func records(_ key: String) throws(InputError) -> FeatureRows {
            guard cursor.take(UInt8(ascii: "[")) else { throw InputError("\"\(key)\" must be an array of records") }
            var columns: [String: Int] = [:]
            var order: [String] = []
            var count = 0
            if !cursor.take(UInt8(ascii: "]")) {
                repeat {
                    guard count < maxRows else { throw tooMany() }
                    guard cursor.take(UInt8(ascii: "{")) else { throw InputError("\"\(key)\" record \(count) is \(cursor.kindAhead()), not an object") }
                    var row = [Float](repeating: 0, count: order.count)
                    var filled = 0
                    if !cursor.take(UInt8(ascii: "}")) {
                        repeat {
                            let name = try cursor.string()
                            try cursor.expect(UInt8(ascii: ":"))
                            guard let value = try cursor.number() else {
                                throw InputError("\"\(key)\" record \(count) column \"\(name.prefix(40))\" is \(cursor.kindAhead()); every feature must be a finite number")
                            }
                            if count == 0 {
                                guard columns[name] == nil else { throw InputError("\"\(key)\" record 0 names column \"\(name.prefix(40))\" twice") }
                                columns[name] = order.count
                                order.append(name)
                                row.append(value)
                            } else {
                                guard let position = columns[name] else {
                                    throw InputError("\"\(key)\" record \(count) has column \"\(name.prefix(40))\", which record 0 lacks; every record needs the same columns")
                                }
                                row[position] = value
                            }
                            filled += 1
                        } while cursor.take(UInt8(ascii: ","))
                        try cursor.expect(UInt8(ascii: "}"))
                    }
                    guard filled == order.count else {
                        throw InputError("\"\(key)\" record \(count) has \(filled) columns, record 0 has \(order.count); every record needs the same columns")
                    }
                    values.append(contentsOf: row)
                    count += 1
                } while cursor.take(UInt8(ascii: ","))
                try cursor.expect(UInt8(ascii: "]"))
            }
            return Self.reordered(made(width: order.count, count: count), positions: ScoringRequest.positions(of: order))
        }

        func made(width: Int, count: Int) -> FeatureRows {
            FeatureRows.floats(values, rows: count, width: width, names: (0..<count).map { "row \($0)" })
        }

        static func reordered(_ rows: FeatureRows, positions: [Int]?) -> FeatureRows {
            guard let positions, positions != Array(0..<positions.count), case .floats(let values) = rows.split.values else { return rows }
            var out = [Float](repeating: 0, count: values.count)
            let width = rows.width
            for r in 0..<rows.count {
                for (given, position) in positions.enumerated() { out[r * width + position] = values[r * width + given] }
            }
            return FeatureRows.floats(out, rows: rows.count, width: width, names: rows.names)
        }

        func tooMany() -> InputError {
            InputError("the request has more than \(maxRows) rows; send at most \(maxRows) per request", isTooLarge: true)
        }
    }
}
