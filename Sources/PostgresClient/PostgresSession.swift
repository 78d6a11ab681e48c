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
        // A session the server ended while it sat idle (a restart, pg_terminate_backend) is closed
        // here; a query sent on it would never be answered.
        guard !connection.isClosed else {
            throw PostgresClientError(
                message: "the server closed the connection", sql: sql, isConnectionLost: true)
        }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds { value.append(to: &bindings) }
        let result: PostgresQueryResult
        do {
            result = try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait()
        } catch {
            throw PostgresClientError(error, sql: sql, location: location)
        }
        return try PostgresRows(result)
    }
}
