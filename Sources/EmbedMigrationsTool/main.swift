import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift FILE.sql…
// Writes `embeddedMigrations`, an ordered list of (id, sql) taken from the files' names and texts.
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT FILE.sql...\n".utf8))
    exit(64)
}
var source = "// Generated from migrations/*.sql by the EmbedMigrations plugin. Do not edit.\n"
source += "let embeddedMigrations: [(id: String, sql: String)] = [\n"
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    let id = url.deletingPathExtension().lastPathComponent
    let sql = try String(contentsOf: url, encoding: .utf8)
    // A raw string with enough #s that no text inside the file can end it.
    var hashes = "#"
    while sql.contains("\"" + hashes) { hashes += "#" }
    source += "    (id: \(String(reflecting: id)), sql: \(hashes)\"\"\"\n\(sql)\n\"\"\"\(hashes)),\n"
}
source += "]\n"
try source.write(to: URL(fileURLWithPath: output), atomically: true, encoding: .utf8)
