import Foundation

/// Where a PostgreSQL store lives: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…&host=/socket/dir]`,
/// read as libpq reads it. The password comes from the URL, else `PGPASSWORD`, else the password file
/// (`PGPASSFILE`, default `~/.pgpass`, ignored unless only its owner can read it, as libpq does).
///
/// `description` never shows the password: it is what may be printed, logged or stored.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS (libpq's `sslmode`; `verify-ca` is read as `verify-full`).
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    /// A host name or address, or a directory holding the server's Unix socket (starts with `/`).
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    /// True for the URLs this type reads (`postgresql://` or `postgres://`).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Reads `url`; `environment` supplies `PGPASSWORD`, `PGPASSFILE`, `PGUSER`, `HOME` and `USER`.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(url), let components = URLComponents(string: url) else {
            throw PostgresClientError.badURL(Self.redact(url), reason: "expected postgresql://USER@HOST[:PORT]/DB")
        }
        var host = components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("host", let value): host = value
            case ("sslmode", let value):
                switch value {
                case "disable", "allow": tls = .disable
                case "prefer": tls = .prefer
                case "require": tls = .require
                case "verify-ca", "verify-full": tls = .verifyFull
                default:
                    throw PostgresClientError.badURL(Self.redact(url), reason: "unknown sslmode '\(value)'")
                }
            case ("application_name", _), ("connect_timeout", _): break
            default:
                throw PostgresClientError.badURL(Self.redact(url), reason: "unknown parameter '\(item.name)'")
            }
        }
        if host.isEmpty { host = "localhost" }
        let database = String(components.percentEncodedPath.dropFirst()).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresClientError.badURL(Self.redact(url), reason: "name the database after the host: …/DB")
        }
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
            ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw PostgresClientError.badURL(Self.redact(url), reason: "port \(port) is out of range")
        }
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.tls = host.hasPrefix("/") ? .disable : tls
        // As libpq: an empty password counts as none, and the file is asked next.
        let nonEmpty = { (text: String?) in text.flatMap { $0.isEmpty ? nil : $0 } }
        password = nonEmpty(components.percentEncodedPassword.flatMap { $0.removingPercentEncoding })
            ?? nonEmpty(environment["PGPASSWORD"])
            ?? Self.passwordFromFile(host: host, port: port, database: database, user: user, environment: environment)
    }

    /// `postgresql://USER@HOST:PORT/DB`: the location without its password.
    public var description: String {
        if host.hasPrefix("/") { return "postgresql://\(user)@/\(database)?host=\(host)" }
        return "postgresql://\(user)@\(hostInURL):\(port)/\(database)"
    }

    private var hostInURL: String { host.contains(":") ? "[\(host)]" : host }

    /// `url` with any password replaced by `***`, for error messages about a URL that did not parse.
    public static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else {
            return url
        }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    /// libpq's password file: lines `host:port:database:user:password`, `*` matching anything,
    /// `\:` and `\\` escaped. A file that others can read is ignored, as libpq ignores it.
    static func passwordFromFile(
        host: String, port: Int, database: String, user: String, environment: [String: String]
    ) -> String? {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = environment["PGPASSFILE"] ?? home + "/.pgpass"
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 == 0,
              let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        let fileHost = host.hasPrefix("/") ? "localhost" : host
        let wanted = [fileHost, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = splitEscaped(line)
            guard fields.count == 5 else { continue }
            if zip(fields, wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func splitEscaped(_ line: Substring) -> [String] {
        var fields: [String] = [], current = "", escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
