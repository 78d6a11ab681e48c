import Foundation

/// Reads a dataset from a CSV file: one example per line, cells separated by commas (no quoting),
/// a label column and number columns.
///
/// - The first line is a header when any of its cells is not a number. The label column is the one
///   the header names `label`, `class`, `target` or `y` (preferred in that order, in any case; the
///   first such column if several have the name), otherwise the first column.
/// - A label is an integer 0...255 (`3` or `3.0`); `classes` is the largest label + 1. Every other
///   cell is a finite number, kept as a Float32 feature. Every row has as many cells as the first.
/// - The test split is every fifth data row (data rows numbered from 0, those with i % 5 == 4), so a
///   file sorted by label still splits fairly; the other rows train.
/// - Companion file: when `X.csv` has a sibling `X.test.csv`, all of `X.csv` trains and `X.test.csv`
///   (read by the same rules, its own header and label column) is the test split. Both files must
///   have the same number of features; both are hashed into the identity.
/// - Blank lines are skipped. Errors name the file and the 1-based line (counting the header).
enum CSVDataset {
    static let labelNames = ["label", "class", "target", "y"]

    /// Examples read from a file: their features row-major in `values`, one label each.
    struct Rows {
        var values: [Float] = []
        var labels: [UInt8] = []
        var count: Int { labels.count }
    }

    static func load(path: String) throws -> Dataset {
        let fileName = (path as NSString).lastPathComponent
        let name = (fileName as NSString).deletingPathExtension
        let companion = (path as NSString).deletingPathExtension + ".test.csv"
        let bytes = try Dataset.readFile(path)
        var files = [(name: fileName, bytes: bytes)]
        let features: Int, train: Rows, test: Rows
        if FileManager.default.fileExists(atPath: companion) {
            let testBytes = try Dataset.readFile(companion)
            files.append((name: (companion as NSString).lastPathComponent, bytes: testBytes))
            let trainFile = try parse(bytes, file: path, testsEveryFifthRow: false)
            let testFile = try parse(testBytes, file: companion, testsEveryFifthRow: false)
            guard trainFile.features == testFile.features else {
                throw DatasetError.widthMismatch(train: path, trainWidth: trainFile.features, test: companion, testWidth: testFile.features)
            }
            (features, train, test) = (trainFile.features, trainFile.train, testFile.train)
        } else {
            let parsed = try parse(bytes, file: path, testsEveryFifthRow: true)
            guard parsed.test.count > 0 else {
                throw DatasetError.csvTooFewRowsToSplit(file: path, rows: parsed.train.count, companion: (companion as NSString).lastPathComponent)
            }
            (features, train, test) = (parsed.features, parsed.train, parsed.test)
        }
        let classes = Int(max(train.labels.max() ?? 0, test.labels.max() ?? 0)) + 1
        return Dataset(train: Split(count: train.count, features: features, floats: train.values, labels: train.labels),
                       test: Split(count: test.count, features: features, floats: test.values, labels: test.labels),
                       identity: DatasetIdentity(name: name, files: files), classes: classes)
    }

    /// The rows of one CSV file; every fifth data row goes to `test` when `testsEveryFifthRow`,
    /// otherwise all go to `train`. At least one data row and one feature column.
    static func parse(_ bytes: [UInt8], file: String,
                      testsEveryFifthRow: Bool) throws -> (features: Int, train: Rows, test: Rows) {
        var train = Rows(), test = Rows()
        var labelColumn = 0
        var width = 0  // cells per row, known from the first line
        var dataRows = 0
        var lineNumber = 0
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // a UTF-8 byte order mark
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            lineNumber += 1
            let cells = line.split(separator: 0x2C, omittingEmptySubsequences: false).map(trimmed)
            if cells.count == 1, cells[0].isEmpty { continue }
            if width == 0 {
                width = cells.count
                if cells.contains(where: { number($0) == nil }) {
                    let names = cells.map { headerName($0) }
                    labelColumn = labelNames.lazy.compactMap { names.firstIndex(of: $0) }.first ?? 0
                    continue
                }
            }
            guard cells.count == width else {
                throw DatasetError.csvRaggedRow(file: file, line: lineNumber, cells: cells.count, expected: width)
            }
            let isTest = testsEveryFifthRow && dataRows % 5 == 4
            dataRows += 1
            for (column, cell) in cells.enumerated() {
                if column == labelColumn {
                    guard let label = label(cell) else {
                        throw DatasetError.csvBadLabel(file: file, line: lineNumber, cell: shown(cell))
                    }
                    if isTest { test.labels.append(label) } else { train.labels.append(label) }
                    continue
                }
                guard let value = number(cell) else {
                    throw DatasetError.csvNotANumber(file: file, line: lineNumber, column: column + 1, cell: shown(cell))
                }
                guard value.isFinite else {
                    throw DatasetError.csvNotFinite(file: file, line: lineNumber, column: column + 1, cell: shown(cell))
                }
                if isTest { test.values.append(value) } else { train.values.append(value) }
            }
        }
        guard dataRows > 0 else { throw DatasetError.csvNoRows(file: file) }
        guard width > 1 else { throw DatasetError.csvNoFeatures(file: file) }
        return (width - 1, train, test)
    }

    /// The cell without surrounding spaces, tabs and the carriage return of CRLF line ends.
    private static func trimmed(_ cell: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D }
        guard let first = cell.firstIndex(where: { !isSpace($0) }), let last = cell.lastIndex(where: { !isSpace($0) }) else {
            return cell[cell.startIndex..<cell.startIndex]
        }
        return cell[first...last]
    }

    /// The cell as a Float. Short unsigned integers (pixel values, counts) are converted directly, to
    /// the value `Float(String)` gives; that halves the time to read a file of pixels.
    private static func number(_ cell: ArraySlice<UInt8>) -> Float? {
        if !cell.isEmpty, cell.count <= 9, cell.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return Float(cell.reduce(0) { $0 * 10 + Int($1 - 0x30) })
        }
        return cell.isEmpty ? nil : Float(String(decoding: cell, as: UTF8.self))
    }

    /// An integer 0...255, written as an integer or as a number with no fraction (`3.0`).
    private static func label(_ cell: ArraySlice<UInt8>) -> UInt8? {
        let text = String(decoding: cell, as: UTF8.self)
        if let integer = Int(text) { return UInt8(exactly: integer) }
        guard let value = Double(text), value.isFinite else { return nil }
        return UInt8(exactly: value)
    }

    /// A header cell as a column name: lowercased, without surrounding double quotes.
    private static func headerName(_ cell: ArraySlice<UInt8>) -> String {
        var name = String(decoding: cell, as: UTF8.self)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
        return name.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// A cell as errors show it, cut to a readable length.
    private static func shown(_ cell: ArraySlice<UInt8>) -> String {
        let text = String(decoding: cell, as: UTF8.self)
        return text.count > 40 ? text.prefix(40) + "…" : text
    }
}
