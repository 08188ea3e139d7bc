import Foundation

/// Finds the default models that ship with bertd (`Models/<name>` in the source tree).
public enum ShippedModels {
    /// The default models, in the order they are loaded.
    public static let names = ["csc", "ner", "qa", "cws"]

    /// The folder holding the shipped models: `$BERTD_MODELS`, else `Models/` beside the build folder
    /// the executable lives in (`.build/<config>/bertd` → `<root>/Models`), else `../share/bertd/models`
    /// next to an installed executable, else `./Models`.
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 executable: String = CommandLine.arguments.first ?? "") -> URL? {
        if let explicit = environment["BERTD_MODELS"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let binary = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates: [URL] = []
        var folder = binary
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("Models"))
            folder.deleteLastPathComponent()
        }
        candidates.append(binary.appendingPathComponent("../share/bertd/models").standardizedFileURL)
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Models"))
        return candidates.first { hasModels($0) }
    }

    /// Specs for every shipped model present in `directory`.
    public static func specs(in directory: URL) -> [ModelSpec] {
        names.compactMap { name in
            let folder = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
                return nil
            }
            return ModelSpec(name: name, directory: folder.path)
        }
    }

    private static func hasModels(_ folder: URL) -> Bool {
        names.contains { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/config.json").path) }
    }
}
