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
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(
            name: "CJansson", pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(
            // Not via pkg-config: its .pc adds -DUTF8PROC_EXPORTS, a flag SwiftPM refuses.
            name: "CUTF8Proc",
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
        .target(name: "Tasks", dependencies: ["BERT", "Tokenizer", "Checkpoint", "JSON"]),
        .target(
            name: "RPC",
            dependencies: ["JSON", .product(name: "Logging", package: "swift-log")]),

        .target(
            name: "Service",
            dependencies: [
                "RPC", "JSON", "Tasks", "BERT", "Tokenizer", "Checkpoint",
                .product(name: "Logging", package: "swift-log"),
            ]),

        .target(
            name: "LanguageServer",
            dependencies: ["Service", "Tasks", "RPC", "JSON", "Tokenizer", .product(name: "Logging", package: "swift-log")]),

        // MARK: - Executables
        .executableTarget(
            name: "bertd",
            dependencies: [
                "JSON", "Tokenizer", "Checkpoint", "BERT", "Tensor", "RPC", "Service", "LanguageServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "annotate",
            dependencies: ["RPC", "JSON", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: - Benchmarks (release builds; not part of the test suite)
        .executableTarget(
            name: "EngineBenchmark", dependencies: ["BERT", "Checkpoint", "Tensor"],
            path: "Benchmarks/EngineBenchmark"),
        .executableTarget(
            name: "DaemonBenchmark", dependencies: ["BERT", "Tasks", "Tensor", "Tokenizer", "JSON", "RPC"],
            path: "Benchmarks/DaemonBenchmark"),
        .executableTarget(
            name: "TokenizerBenchmark", dependencies: ["Tokenizer"], path: "Benchmarks/TokenizerBenchmark"),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["JSON", "RPC"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "JSON", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "TestSupport"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "RPC", "JSON", "BERT", "Tasks", "TestSupport"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "BERT", "Tokenizer", "JSON", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["JSON", "RPC", "Tensor", "TestSupport"]),
        .testTarget(name: "LanguageServerTests", dependencies: ["LanguageServer", "Service", "RPC", "JSON", "Tokenizer", "TestSupport"]),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "JSON", "TestSupport"]),
        .testTarget(name: "BERTTests", dependencies: ["BERT", "Checkpoint", "Tokenizer", "TestSupport"]),
        .testTarget(name: "SchemaTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "AnnotateTests", dependencies: ["JSON", "RPC", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
