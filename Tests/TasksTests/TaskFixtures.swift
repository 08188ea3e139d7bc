import BERT
import Foundation
import JSON
import Synchronization
import Tasks
import TestSupport
import Testing
import Tokenizer

/// Loaded fixture models and expected outputs under Tests/Fixtures, shared by the tests.
enum TaskFixtures {
    /// Models loaded so far (loading the 21128-word vocabulary dominates a debug test's time).
    private static let loaded = Mutex<[String: (BertTokenizer, DirectRunner)]>([:])

    /// A tokenizer and a direct runner for the model directory `Tests/Fixtures/<path>`.
    static func model(_ path: String) throws -> (BertTokenizer, DirectRunner) {
        if let cached = loaded.withLock({ $0[path] }) { return cached }
        let url = Fixtures.url(path)
        let tokenizer = try BertTokenizer.load(directory: url)
        let model = try EncoderModel.load(directory: url.path)
        let pair = (tokenizer, DirectRunner(model: model))
        loaded.withLock { $0[path] = pair }
        return pair
    }

    /// `Tests/Fixtures/tasks/<name>` parsed.
    static func expected(_ name: String) throws -> JSON {
        let data = try Data(contentsOf: Fixtures.url("tasks/\(name)"))
        return try JSON.parse(data)
    }
}

extension JSON {
    /// A required string member.
    func string(_ key: String) throws -> String { try #require(self[key]?.stringValue, "missing \(key)") }
    /// A required integer member.
    func int(_ key: String) throws -> Int { try #require(self[key]?.intValue, "missing \(key)") }
    /// A required number member.
    func float(_ key: String) throws -> Float { Float(try #require(self[key]?.doubleValue, "missing \(key)")) }
    /// A required array member.
    func array(_ key: String) throws -> [JSON] { try #require(self[key]?.arrayValue, "missing \(key)") }
    /// The elements of an array value.
    func elements() throws -> [JSON] { try #require(arrayValue, "not an array") }
}

/// Scores are compared to transformers' within this.
let scoreTolerance: Float = 1e-4
