/// Why an input cannot be scored, in one line that says what to do (the caller adds the file name
/// or answers HTTP 400 with it).
public struct InputError: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// Too large rather than malformed (HTTP 413).
    public let isTooLarge: Bool

    public init(_ description: String, isTooLarge: Bool = false) {
        self.description = description
        self.isTooLarge = isTooLarge
    }
}
