import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift FILE.sql…
// Writes `embeddedMigrations` and `embeddedPostgresMigrations`, ordered lists of (id, sql) taken
// from the files' names and texts. Files in a folder named `postgresql` are PostgreSQL's dialect of
// the migration with the same id.
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT FILE.sql...\n".utf8))
    exit(64)
}
let urls = arguments.dropFirst().map { URL(fileURLWithPath: $0) }.sorted { $0.lastPathComponent < $1.lastPathComponent }
let isPostgres = { (url: URL) in url.deletingLastPathComponent().lastPathComponent == "postgresql" }

var source = "// Generated from migrations/ by the EmbedMigrations plugin. Do not edit.\n"
for (name, files) in [("embeddedMigrations", urls.filter { !isPostgres($0) }), ("embeddedPostgresMigrations", urls.filter(isPostgres))] {
    source += "let \(name): [(id: String, sql: String)] = [\n"
    for url in files {
        let id = url.deletingPathExtension().lastPathComponent
        let sql = try String(contentsOf: url, encoding: .utf8)
        // A raw string with enough #s that no text inside the file can end it.
        var hashes = "#"
        while sql.contains("\"" + hashes) { hashes += "#" }
        source += "    (id: \(String(reflecting: id)), sql: \(hashes)\"\"\"\n\(sql)\n\"\"\"\(hashes)),\n"
    }
    source += "]\n"
}
try source.write(to: URL(fileURLWithPath: output), atomically: true, encoding: .utf8)
