import Foundation

/// Where output goes: results on stdout, progress and diagnostics on stderr, colour only on a terminal.
enum Terminal {
    static let isStandardErrorTTY = isatty(STDERR_FILENO) == 1
    static let isStandardOutputTTY = isatty(STDOUT_FILENO) == 1

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    }

    static func diagnostic(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Rewrites the current stderr line (progress), only on a terminal.
    static func progress(_ line: String) {
        guard isStandardErrorTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
    }

    static func endProgress() {
        guard isStandardErrorTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    static func bold(_ text: String) -> String {
        isStandardOutputTTY ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }

    static func colored(_ text: String, _ code: Int) -> String {
        isStandardOutputTTY ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Writes a value as pretty JSON on stdout with nothing else mixed in.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }
}
