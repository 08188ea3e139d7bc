import JSON
import RPC

extension BertdService {
    /// `initialize`, `initialized`, `shutdown`, `exit`.
    static let lifecycleMethods: [ServiceMethod] = [
        ServiceMethod(name: "initialize", ordered: true) { service, params, context in
            let reader = JSONReader(params ?? .object([:]))
            let encoding = try negotiateEncoding(reader)
            service.sessions.update(context.connection) { session in
                session.initialized = true
                session.positionEncoding = encoding
            }
            if let options = reader.member("initializationOptions") {
                try service.extensions.onInitialize?(context.connection, options)
            }
            return .object([
                "serverInfo": ["name": "bertd", "version": .string(service.configuration.version)],
                "capabilities": service.capabilities(encoding: encoding),
            ])
        },
        ServiceMethod(name: "initialized", ordered: true) { _, _, _ in .null },
        ServiceMethod(name: "shutdown", ordered: true) { service, _, context in
            service.sessions.update(context.connection) { $0.shutdownRequested = true }
            return .null
        },
        ServiceMethod(name: "exit", ordered: true) { service, _, context in
            let session = service.sessions.session(context.connection)
            // LSP: exit status 0 after shutdown, 1 without. Socket clients only end their own session.
            if session.peer == .stdio { service.exitHandler(session.shutdownRequested ? 0 : 1) }
            return .null
        },
    ]

    /// The position encoding for a client: `initializationOptions.positionEncoding`, else the first of
    /// `capabilities.general.positionEncodings` that bertd supports, else utf-16 (LSP's default).
    static func negotiateEncoding(_ params: JSONReader) throws(JSONDecodingError) -> PositionEncoding {
        if let explicit = try params.member("initializationOptions")?.optional("positionEncoding", as: String.self) {
            guard let encoding = PositionEncoding(rawValue: explicit) else {
                throw JSONDecodingError(
                    path: "params.initializationOptions.positionEncoding",
                    message: "expected one of utf-8, utf-16, utf-32, got \"\(explicit)\"")
            }
            return encoding
        }
        let offered = try params.member("capabilities")?.member("general")?
            .optional("positionEncodings", as: [String].self) ?? []
        return offered.lazy.compactMap(PositionEncoding.init(rawValue:)).first ?? .utf16
    }

    func capabilities(encoding: PositionEncoding) -> JSON {
        var capabilities: JSONObject = ["positionEncoding": .string(encoding.rawValue)]
        for (key, value) in extensions.capabilities { capabilities[key] = value }
        let names = Self.methods.map(\.name) + extensions.methods.map(\.name)
        capabilities["experimental"] = ["bertd": ["methods": .array(names.map { .string($0) })]]
        return .object(capabilities)
    }
}
