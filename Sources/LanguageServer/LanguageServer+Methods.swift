import JSON
import RPC
import Service

extension LanguageServer {
    /// The LSP document methods and capabilities, to plug into the daemon's service.
    public var serviceExtensions: ServiceExtensions {
        func method(_ name: String, _ body: @escaping @Sendable (LanguageServer, JSONReader, RequestContext) throws -> JSON)
            -> ServiceExtensions.Method
        {
            // Document messages run in arrival order so each sees the text the editor had when sending it.
            ServiceExtensions.Method(name: name, ordered: true) { [self] params, context in
                try body(self, JSONReader(params ?? .object(JSONObject())), context)
            }
        }
        return ServiceExtensions(
            methods: [
                method("textDocument/didOpen") { try $0.didOpen($1, $2); return .null },
                method("textDocument/didChange") { try $0.didChange($1, $2); return .null },
                method("textDocument/didClose") { try $0.didClose($1, $2); return .null },
                method("textDocument/didSave") { _, _, _ in .null },
                method("workspace/didChangeConfiguration") { try $0.didChangeConfiguration($1, $2); return .null },
                method("textDocument/codeAction") { try $0.codeActions($1, $2) },
                method("workspace/executeCommand") { try $0.executeCommand($1, $2) },
            ],
            capabilities: Self.capabilities,
            onInitialize: { [self] connection, options in
                if let section = options.member("bertd") ?? Optional(options) {
                    try configure(section, connection: connection)
                }
            },
            onConnectionClosed: { [self] connection in connectionClosed(connection) })
    }
}
