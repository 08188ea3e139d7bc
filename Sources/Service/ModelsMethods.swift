import JSON
import RPC

extension BertdService {
    /// `bertd/models` and `bertd/reload`.
    static let modelsMethods: [ServiceMethod] = [
        ServiceMethod(name: "bertd/models") { service, _, _ in
            .object(["models": .array(service.registry.all.map(modelJSON))])
        },
        ServiceMethod(name: "bertd/reload") { service, params, _ in
            let reader = try service.paramsReader(params, allowed: ["name"])
            let name = try reader.required("name", as: String.self)
            do {
                return modelJSON(try service.registry.reload(name))
            } catch let error as RPCError {
                throw error
            } catch {
                throw RPCError.server(.modelNotLoaded, "reloading \"\(name)\" failed, the old model stays: \(error)")
            }
        },
    ]

    static func modelJSON(_ loaded: LoadedModel) -> JSON {
        let config = loaded.model.config
        var object: JSONObject = [
            "name": .string(loaded.spec.name),
            "directory": .string(loaded.spec.directory),
            "family": .string(config.family.rawValue),
            "architecture": config.architecture.map(JSON.string) ?? .null,
            "head": .string(loaded.model.head.rawValue),
            "tasks": .array(loaded.tasks.map { .string($0.rawValue) }),
            "labels": .array(config.labels.map(JSON.string)),
            "maxLength": .integer(Int64(config.maxPositionEmbeddings)),
            "vocabSize": .integer(Int64(config.vocabSize)),
            "hiddenSize": .integer(Int64(config.hiddenSize)),
            "layers": .integer(Int64(config.numHiddenLayers)),
            "loadSeconds": .double(loaded.loadSeconds),
            "precision": .string(loaded.model.precision.rawValue),
            "queueDepth": .integer(Int64(loaded.queue.queueDepth)),
        ]
        object["licence"] = loaded.licence.map(JSON.string) ?? .null
        return .object(object)
    }
}
