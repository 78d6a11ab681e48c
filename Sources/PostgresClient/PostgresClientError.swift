import Foundation
import PostgresNIO

/// A failure talking to PostgreSQL: the server's message and SQLSTATE when the server answered, or
/// what went wrong on the way. Never carries a password or a bound value.
public struct PostgresClientError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE the server sent (`23505` unique violation, …), when it sent one.
    public let sqlState: String?
    public let message: String
    /// The statement that failed, when one did.
    public let sql: String?
    /// True when the connection itself is gone (server stopped, network lost): retrying on this
    /// session cannot help, a new session might.
    public let isConnectionLost: Bool

    public init(message: String, sqlState: String? = nil, sql: String? = nil, isConnectionLost: Bool = false) {
        self.message = message
        self.sqlState = sqlState
        self.sql = sql
        self.isConnectionLost = isConnectionLost
    }

    public static func badURL(_ url: String, reason: String) -> PostgresClientError {
        PostgresClientError(message: "'\(url)' is not a PostgreSQL URL nnreg can use: \(reason)")
    }

    init(connecting location: PostgresLocation, _ error: any Error) {
        guard let error = error as? PSQLError else {
            self.init(message: Self.networkReason(error), isConnectionLost: true)
            return
        }
        if let message = error.serverInfo?[.message] {
            self.init(message: message, sqlState: error.serverInfo?[.sqlState])
        } else if error.code == .authMechanismRequiresPassword {
            self.init(message: "the server asks for a password; give it in PGPASSWORD or ~/.pgpass")
        } else {
            self.init(message: error.underlying.map(Self.networkReason) ?? "\(error.code)", isConnectionLost: true)
        }
    }

    /// "connection refused" rather than NIO's account of every address it tried; for an error
    /// postgres-nio wraps in another (the server's goodbye inside "server closed the connection"),
    /// the server's message, never PSQLError's generic description.
    static func networkReason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? error.underlying.map(networkReason) ?? "\(error.code)"
        }
        let text = "\(error)"
        for (needle, reason) in [
            ("Connection refused", "connection refused"), ("timed out", "connection timed out"),
            ("No such file", "no server socket there"), ("unknown host", "unknown host"),
            ("Name or service not known", "unknown host"),
        ] where text.contains(needle) {
            return reason
        }
        return text
    }

    init(_ error: any Error, sql: String, location: PostgresLocation) {
        guard let error = error as? PSQLError else {
            self.init(message: "\(error)", sql: sql)
            return
        }
        if let message = error.serverInfo?[.message] {
            // The server's detail line often quotes the row's values ("Key (key)=(…)"): left out.
            self.init(message: message, sqlState: error.serverInfo?[.sqlState], sql: sql)
        } else {
            let lost = [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown]
                .contains(error.code)
            let reason = error.underlying.map(Self.networkReason) ?? "\(error.code)"
            self.init(
                message: reason, sql: sql,
                isConnectionLost: lost)
        }
    }

    public var description: String {
        var text = message
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        if let sql { text += " in: \(sql)" }
        return text
    }
}
