// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nnreg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nnreg", targets: ["nnreg"]),
        .executable(name: "nnreg-bench", targets: ["nnreg-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .executableTarget(name: "EmbedMigrationsTool"),
        .plugin(
            name: "EmbedMigrations", capability: .buildTool(),
            dependencies: ["EmbedMigrationsTool"]),
        .target(
            name: "Store",
            dependencies: ["CSQLite", .product(name: "Crypto", package: "swift-crypto")],
            plugins: ["EmbedMigrations"]),
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])]),
        .target(
            name: "Trainer",
            dependencies: ["CKernels", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "RunFilter"),
        .target(name: "ModelFormats"),
        .executableTarget(
            name: "nnreg",
            dependencies: [
                "Store", "Trainer", "RunFilter", "ModelFormats", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "nnreg-bench", dependencies: ["Store", "Trainer"]),
        // libFuzzer targets; scripts/fuzz.sh builds them with the fuzzer flags, plain builds get a replay main.
        .target(name: "FuzzHarness"),
        .executableTarget(name: "fuzz-idx", dependencies: ["Trainer", "FuzzHarness"]),
        .executableTarget(name: "fuzz-trainer-state", dependencies: ["Trainer", "CZlib", "FuzzHarness"]),
        .executableTarget(name: "fuzz-where", dependencies: ["RunFilter", "FuzzHarness"]),
        .executableTarget(name: "fuzz-safetensors", dependencies: ["ModelFormats", "FuzzHarness"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
        .testTarget(name: "nnregTests", dependencies: ["nnreg", "Store", "Trainer", "RunFilter", "ModelFormats"]),
    ],
    swiftLanguageModes: [.v6]
)
