import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to a PostgreSQL server, used synchronously: each call sends its query and waits
/// for the answer on the calling thread (postgres-nio runs the protocol on its event loops).
///
/// Not `Sendable`: use a session from one thread at a time, and never from an event loop thread.
public final class PostgresSession {
    private let connection: PostgresConnection
    /// Where this session is connected (without the password).
    public let location: PostgresLocation
    private let logger = Logger(label: "nnreg.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Connects and logs in; a server that cannot be reached or refuses the login is one clear error.
    public init(location: PostgresLocation, applicationName: String = "nnreg") throws {
        self.location = location
        var configuration: PostgresConnection.Configuration
        if location.host.hasPrefix("/") {
            configuration = .init(
                unixSocketPath: "\(location.host)/.s.PGSQL.\(location.port)", username: location.user,
                password: location.password, database: location.database)
        } else {
            configuration = .init(
                host: location.host, port: location.port, username: location.user, password: location.password,
                database: location.database, tls: try Self.tls(location.tls))
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.connectTimeout = .seconds(10)
        do {
            connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger
            ).wait()
        } catch {
            throw PostgresClientError(connecting: location, error)
        }
    }

    /// Closes the connection and waits until it is closed (postgres-nio insists on it).
    deinit {
        let closing: EventLoopFuture<Void> = connection.close()
        try? closing.wait()
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer, .require:
            // libpq's prefer and require encrypt without checking the certificate.
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            return mode == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    /// Runs `sql` (placeholders `$1`, `$2`, …) with `binds` and returns every row it gave.
    public func query(_ sql: String, _ binds: [PostgresValue] = []) throws -> PostgresRows {
        try answer(sql, binds).wait()
    }

    /// Sends `sql` without waiting for its answer: postgres-nio runs queued queries one after the
    /// other on its event loop, so the caller need not wake up between statements whose rows it does
    /// not read. Wait on the result (in order) to learn of errors.
    public func send(_ sql: String, _ binds: [PostgresValue] = []) -> PendingRows {
        PendingRows(answer: answer(sql, binds))
    }

    private func answer(_ sql: String, _ binds: [PostgresValue]) -> EventLoopFuture<PostgresRows> {
        let location = self.location
        // A session the server ended while it sat idle (a restart, pg_terminate_backend) is closed
        // here; a query sent on it would never be answered.
        guard !connection.isClosed else {
            return connection.eventLoop.makeFailedFuture(PostgresClientError(
                message: "the server closed the connection", sql: sql, isConnectionLost: true))
        }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds { value.append(to: &bindings) }
        return connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            .flatMapErrorThrowing { throw PostgresClientError($0, sql: sql, location: location) }
            .flatMapThrowing { try PostgresRows($0) }
    }
}

/// The answer to a query sent without waiting (`PostgresSession.send`).
public struct PendingRows {
    let answer: EventLoopFuture<PostgresRows>

    /// Waits for the answer; throws the query's `PostgresClientError`.
    public func wait() throws -> PostgresRows { try answer.wait() }
}
