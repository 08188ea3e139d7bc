import RPC

/// Everything the daemon is started with.
public struct ServiceConfiguration: Sendable {
    /// Limits on messages and batches.
    public var rpcLimits: RPCLimits
    /// Most texts in one request's `texts` list.
    public var maxTextsPerRequest: Int
    /// Most characters (Unicode scalars) in one text.
    public var maxCharactersPerText: Int
    /// The version reported in `serverInfo`.
    public var version: String

    /// The documented defaults: 16 MiB messages, 256 per batch, 1,024 texts, 1,000,000 characters.
    public init(rpcLimits: RPCLimits = RPCLimits(), maxTextsPerRequest: Int = 1024,
                maxCharactersPerText: Int = 1_000_000, version: String = bertdVersion) {
        self.rpcLimits = rpcLimits
        self.maxTextsPerRequest = maxTextsPerRequest
        self.maxCharactersPerText = maxCharactersPerText
        self.version = version
    }
}

/// This build's version.
public let bertdVersion = "0.1.0"
