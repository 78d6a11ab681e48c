import Store

/// Reads params from a command's own flags, as Guild does: `--learning-rate 0.01`, `--lr=0.01`,
/// `-n 5` become `learning_rate`, `lr` and `n`, typed as an integer, a real or text. A flag with no
/// value (followed by another flag, or last) becomes `true`. A `--` ends the flags. For an
/// interpreter (`python3 -u train.py --lr 0.1`, `sh -c '…'`) only the flags after its script count.
public enum FlagParams {
    static let interpreters: Set<String> = ["sh", "bash", "zsh", "dash", "ruby", "perl", "node", "julia", "Rscript", "lua"]

    /// The params in a whole command line (program first).
    public static func params(inCommand command: [String]) -> [String: ParamValue] {
        var arguments = Array(command.dropFirst())
        let program = command.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? ""
        if program.hasPrefix("python") || interpreters.contains(program) {
            // Skip the interpreter's own flags and the script (or `-m module`, `-c code`) itself.
            guard let script = arguments.firstIndex(where: { !$0.hasPrefix("-") }) else { return [:] }
            arguments = Array(arguments[(script + 1)...])
        }
        return params(in: arguments)
    }

    public static func params(in arguments: [String]) -> [String: ParamValue] {
        var params: [String: ParamValue] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" { break }
            guard let name = flagName(argument) else { continue }
            if let equals = name.firstIndex(of: "=") {
                let key = key(String(name[..<equals]))
                if !key.isEmpty { params[key] = typed(String(name[name.index(after: equals)...])) }
                continue
            }
            let key = key(name)
            guard !key.isEmpty else { continue }
            if index < arguments.count, flagName(arguments[index]) == nil, arguments[index] != "--" {
                params[key] = typed(arguments[index])
                index += 1
            } else {
                params[key] = .text("true")
            }
        }
        return params
    }

    /// The name of a flag (`--name`, `-n`), without its dashes; nil for a value (a negative number is one).
    private static func flagName(_ argument: String) -> String? {
        guard argument.hasPrefix("-"), argument.count > 1, Double(argument) == nil else { return nil }
        let name = argument.drop { $0 == "-" }
        guard let first = name.first, first.isLetter else { return nil }
        return String(name)
    }

    private static func key(_ name: String) -> String {
        String(name.map { $0 == "-" ? "_" : $0 })
    }

    /// An integer, a real or text, as the text reads.
    public static func typed(_ text: String) -> ParamValue {
        if let number = Int64(text) { return .int(number) }
        if let number = Double(text), number.isFinite, text.contains(where: { $0.isNumber }) { return .real(number) }
        return .text(text)
    }
}
