// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nnreg",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nnreg", targets: ["nnreg"]),
        .executable(name: "nnreg-bench", targets: ["nnreg-bench"]),
        // The Store as a library: open a store, record runs from a training loop of one's own.
        .library(name: "NNRegTracking", targets: ["NNRegTracking"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Already resolved for Hummingbird; named here because WebServer uses them directly.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Already resolved for Hummingbird; named because HTTPLane takes HTTP parts directly.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .executableTarget(name: "EmbedMigrationsTool"),
        .plugin(
            name: "EmbedMigrations", capability: .buildTool(),
            dependencies: ["EmbedMigrationsTool"]),
        // A synchronous PostgreSQL session (postgres-nio underneath): connect by URL, run a query, get rows.
        .target(
            name: "PostgresClient",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Store",
            dependencies: ["CSQLite", "CZlib", "PostgresClient", "RunFilter", .product(name: "Crypto", package: "swift-crypto")],
            plugins: ["EmbedMigrations"]),
        // Recording a run from any Swift program, batched off the caller's thread (`TrackedRun`).
        .target(name: "NNRegTracking", dependencies: ["Store"]),
        // Metric points in a program's printed output (no dependencies: it is fuzzed on its own).
        .target(name: "OutputMetrics"),
        // `nnreg track`: runs a command, passes its output through, records it as a run.
        .target(name: "ProcessTracker", dependencies: ["CProcess", "NNRegTracking", "OutputMetrics"]),
        .target(name: "CProcess"),
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])]),
        .target(
            name: "Trainer",
            dependencies: ["CKernels", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "RunFilter"),
        // Hyperparameter search (`nnreg sweep`): search spaces, the grid, random and TPE samplers, ASHA and median
        // pruning, and the scheduler that picks a worker's next trial (pure: the CLI wires it to Store and Trainer).
        .target(name: "Sweep"),
        // JSON string literals, the one escaper of MLflow's responses, safetensors headers and scoring errors.
        .target(name: "JSONText"),
        .target(name: "ModelFormats", dependencies: ["JSONText"]),
        // PNG and JPEG to grayscale pixels of a model's input size, through libpng and libjpeg-turbo.
        .target(name: "ImageDecoding", dependencies: ["CPNG", "CTurboJPEG"]),
        // Filtering and sorting runs with the --where language, shared by `list` and the web pages.
        .target(name: "RunQuery", dependencies: ["Store", "RunFilter"]),
        // HTML and SVG of the run, compare and model pages, shared by `serve` and `report`.
        .target(name: "WebPages", dependencies: ["Store", "RunQuery", "Sweep"]),
        // The read-only HTTP server (`nnreg serve`).
        .target(
            name: "WebServer",
            dependencies: [
                "Store", "RunQuery", "WebPages", "MLflowProtocol", "Scoring", "HTTPLane", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Requests answered in a connection's channel pipeline, ahead of the router (scoring POSTs, MLflow's
        // JSON calls): the body gathered, the answer written in order, without the router's per-request machinery.
        .target(
            name: "HTTPLane",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]),
        // Users' inputs (image, CSV, NumPy files; MLflow's scoring request bodies) as feature rows for a network.
        .target(name: "ModelInputs", dependencies: ["Trainer", "ImageDecoding", "JSONText"]),
        // Predictions from the registry over HTTP (MLflow's /invocations shapes), batched, following aliases live;
        // mounted by WebServer.
        .target(
            name: "Scoring",
            dependencies: [
                "Store", "Trainer", "ModelInputs", "HTTPLane", "JSONText", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // MLflow's wire format without the server: request bodies read strictly into fields, responses
        // written as MLflow writes them, its search filters and errors (no Store, no server: fuzzed on its own).
        .target(
            name: "MLflowWire",
            dependencies: ["RunFilter", "JSONText", .product(name: "HTTPTypes", package: "swift-http-types")]),
        // MLflow's tracking protocol (REST API under /api/2.0/mlflow/, artifacts, registry) over the Store,
        // mounted by WebServer.
        .target(
            name: "MLflowProtocol",
            dependencies: [
                "Store", "MLflowWire", "RunFilter", "HTTPLane", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "nnreg",
            dependencies: [
                "Store", "Trainer", "RunFilter", "RunQuery", "ModelFormats", "WebPages", "WebServer", "CZlib",
                "NNRegTracking", "ProcessTracker", "ModelInputs", "Scoring", "Sweep",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "nnreg-bench", dependencies: ["Store", "Trainer", "WebPages", "NNRegTracking", "TestSupport", "PostgresClient"]),
        // libFuzzer targets; scripts/fuzz.sh builds them with the fuzzer flags, plain builds get a replay main.
        .target(name: "FuzzHarness"),
        .executableTarget(name: "fuzz-idx", dependencies: ["Trainer", "FuzzHarness"]),
        .executableTarget(name: "fuzz-trainer-state", dependencies: ["Trainer", "CZlib", "FuzzHarness"]),
        .executableTarget(name: "fuzz-where", dependencies: ["RunFilter", "FuzzHarness"]),
        .executableTarget(name: "fuzz-safetensors", dependencies: ["ModelFormats", "FuzzHarness"]),
        .executableTarget(name: "fuzz-output-lines", dependencies: ["OutputMetrics", "FuzzHarness"]),
        .executableTarget(name: "fuzz-scoring-request", dependencies: ["ModelInputs", "Trainer", "FuzzHarness"]),
        .executableTarget(name: "fuzz-mlflow-request", dependencies: ["MLflowWire", "RunFilter", "FuzzHarness"]),
        // The throwaway PostgreSQL databases the tests of both backends use.
        .target(name: "TestSupport", dependencies: ["PostgresClient"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport", "PostgresClient"]),
        .testTarget(
            name: "TrackingTests", dependencies: ["NNRegTracking", "OutputMetrics", "ProcessTracker", "TestSupport"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep"]),
        .testTarget(name: "ImageDecodingTests", dependencies: ["ImageDecoding"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelInputsTests", dependencies: ["ModelInputs", "Trainer"]),
        .testTarget(name: "MLflowWireTests", dependencies: ["MLflowWire", "RunFilter", "JSONText"]),
        .testTarget(
            name: "WebTests",
            dependencies: ["WebServer", "WebPages", "Store", "RunQuery", "MLflowProtocol", .product(name: "HTTPTypes", package: "swift-http-types")]),
        .testTarget(
            name: "nnregTests",
            dependencies: ["nnreg", "Store", "Trainer", "RunFilter", "ModelFormats", "TestSupport", "PostgresClient"]),
    ],
    swiftLanguageModes: [.v6]
)
