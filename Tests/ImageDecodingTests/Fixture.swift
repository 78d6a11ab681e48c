import Foundation
import Testing

/// A file under Fixtures/, written by make_fixtures.py with Pillow, and the gray pixels Pillow decodes
/// from it (the `.gray` file beside it).
struct Fixture: CustomTestStringConvertible, Sendable {
    let name: String
    let width: Int
    let height: Int
    /// The largest difference from Pillow's pixels allowed (see `FixtureTests`).
    let tolerance: Int

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    var testDescription: String { name }

    func bytes() throws -> [UInt8] { try Self.load(name) }

    func expectedPixels() throws -> [UInt8] {
        try Self.load(name.split(separator: ".").dropLast().joined(separator: ".") + ".gray")
    }

    static func load(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
