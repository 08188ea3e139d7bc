import Foundation
import JSON
import Logging
import RPC
import Tasks
import Testing
import TestSupport
@testable import Service

@Suite struct CorrectionListsTests {
    /// The csc fixture copied with a `corrections.json`.
    private func modelWithLists(_ lists: String) throws -> URL {
        let directory = try Fixtures.temporaryDirectory()
        let source = Fixtures.url("tasks/csc")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            let resolved = source.appendingPathComponent(name).resolvingSymlinksInPath()
            try FileManager.default.copyItem(at: resolved, to: directory.appendingPathComponent(name))
        }
        try Data(lists.utf8).write(to: directory.appendingPathComponent("corrections.json"))
        return directory
    }

    @Test func modelListsApplyAndRequestsAddToThem() async throws {
        let directory = try modelWithLists(#"{"ignore": ["公园"], "force": {"我门": "我们", "完了": "玩了"}}"#)
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = try ModelRegistry(specs: [ModelSpec(name: "csc", directory: directory.path)])
        defer { registry.stopAll() }
        let service = BertdService(configuration: ServiceConfiguration(), registry: registry, logger: Logger(label: "test")) { _ in }
        let model = try registry.model(named: nil, for: .correct)
        #expect(model.correctionLists.force["我门"] == "我们")

        var options = CorrectionOptions()
        options.threshold = 0
        options.forced = ["完了": "完成"]
        let text = "我门去公园完了"
        let result = try await service.correct([text], options: options, model: model)[0]
        let forced = result.edits.filter { $0.kind == .forced }.map { "\($0.original)>\($0.replacement)" }
        #expect(forced.sorted() == ["完了>完成", "我门>我们"])
        // "公园" is on the model's ignore list: nothing inside it changes, whatever the model proposes.
        let parkRange = 9..<15
        #expect(!result.edits.contains { $0.start < parkRange.upperBound && $0.end > parkRange.lowerBound })
    }

    @Test func malformedListsFailTheModelLoad() throws {
        let directory = try modelWithLists(#"{"ignore": "公园"}"#)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ModelLoadError.self) {
            _ = try ModelRegistry(specs: [ModelSpec(name: "csc", directory: directory.path)])
        }
    }
}
