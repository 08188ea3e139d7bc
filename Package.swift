// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "bertd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bertd", targets: ["bertd"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "Tokenizer", targets: ["Tokenizer"]),
        .library(name: "BERT", targets: ["BERT"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(
            name: "CJansson", pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(
            name: "CUTF8Proc", pkgConfig: "libutf8proc",
            providers: [.apt(["libutf8proc-dev"])]),
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),

        // MARK: - Libraries (arrows point down: BERT -> Checkpoint -> Tensor -> CBLAS)
        .target(name: "JSON", dependencies: ["CJansson"]),
        .target(name: "Tokenizer", dependencies: ["CUTF8Proc"]),
        .target(name: "CKernels"),
        .target(name: "Tensor", dependencies: ["CBLAS", "CKernels"]),
        .target(name: "Checkpoint", dependencies: ["Tensor", "JSON"]),
        .target(name: "BERT", dependencies: ["Checkpoint", "Tensor"]),

        // MARK: - Executables
        .executableTarget(
            name: "bertd",
            dependencies: [
                "JSON", "Tokenizer", "Checkpoint", "BERT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Benchmarks (release builds only; not part of the test suite)
        .executableTarget(
            name: "EngineBenchmark", dependencies: ["BERT", "Checkpoint", "Tensor"],
            path: "Benchmarks/EngineBenchmark"),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["JSON"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "JSON", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "TestSupport"]),
        .testTarget(name: "BERTTests", dependencies: ["BERT", "Checkpoint", "Tokenizer", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
