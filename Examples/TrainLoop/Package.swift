// swift-tools-version:6.0
// A program of its own that trains a small model and records it into an nnreg store through the
// NNRegTracking library: swift run --package-path Examples/TrainLoop TrainLoop STORE.sqlite
import PackageDescription

let package = Package(
    name: "TrainLoop",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "nnreg", path: "../..")],
    targets: [
        .executableTarget(name: "TrainLoop", dependencies: [.product(name: "NNRegTracking", package: "nnreg")]),
    ],
    swiftLanguageModes: [.v6]
)
