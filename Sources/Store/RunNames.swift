/// Readable run names such as `brisk-otter-42`.
enum RunNames {
    static let adjectives = [
        "amber", "bold", "brave", "brisk", "calm", "clever", "cosmic", "crisp", "daring", "deft",
        "eager", "fair", "fierce", "gentle", "glad", "golden", "grand", "happy", "hardy", "keen",
        "kind", "lively", "lucid", "lucky", "merry", "mighty", "nimble", "noble", "plucky", "proud",
        "quick", "quiet", "rapid", "ready", "sharp", "shy", "silent", "sleek", "smooth", "snappy",
        "solid", "spry", "steady", "stout", "sunny", "swift", "tidy", "vivid", "wise", "witty",
    ]
    static let animals = [
        "badger", "bat", "bear", "beaver", "bison", "crane", "crow", "deer", "dingo", "dolphin",
        "eagle", "falcon", "ferret", "finch", "fox", "gecko", "heron", "hare", "ibis", "jackal",
        "koala", "lemur", "lion", "llama", "lynx", "magpie", "marten", "mole", "moose", "newt",
        "otter", "owl", "panda", "puffin", "quail", "raven", "robin", "seal", "shrew", "sloth",
        "stoat", "swan", "tapir", "tiger", "toad", "viper", "walrus", "wolf", "wombat", "yak",
    ]

    static func random() -> String {
        "\(adjectives.randomElement()!)-\(animals.randomElement()!)-\(Int.random(in: 1...99))"
    }

    /// A name is valid when it is non-empty, has no whitespace or control characters, and is not
    /// only digits (a run reference made of digits is read as an id).
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 200 && !name.allSatisfy(\.isNumber)
            && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }
    }
}
