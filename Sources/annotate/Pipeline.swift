import JSON
import RPC

/// One unit of work for the pipeline: params to send, or an error found before sending (a bad input line).
enum PipelineItem {
    case request(JSONObject)
    case invalid(RPCError)
}

/// Sends requests over one connection with a bounded number in flight, and hands the answers back in
/// input order (the daemon answers in completion order).
struct Pipeline {
    let client: RPCClient
    let method: String
    /// The most requests sent but not yet answered.
    let window: Int

    /// Runs every item, calling `deliver` once per item in input order with its params and outcome.
    /// - Throws: `RPCClientError.connection` when the connection fails; answers already delivered stand.
    func run(_ items: some Sequence<PipelineItem>,
             deliver: (_ index: Int, _ params: JSONObject?, _ outcome: Result<JSON, RPCError>) -> Void)
        throws(RPCClientError)
    {
        var inputIndexOfRequest: [Int: Int] = [:]
        var params: [Int: JSONObject] = [:]
        var ready: [Int: Result<JSON, RPCError>] = [:]
        var nextToDeliver = 0
        var count = 0

        func flush() {
            while let outcome = ready.removeValue(forKey: nextToDeliver) {
                deliver(nextToDeliver, params.removeValue(forKey: nextToDeliver), outcome)
                nextToDeliver += 1
            }
        }

        func receiveOne() throws(RPCClientError) {
            let response = try client.receive()
            guard let id = response.id, let index = inputIndexOfRequest.removeValue(forKey: id) else {
                let detail = switch response.result {
                case .failure(let error): error.description
                case .success(let result): result.serializedString
                }
                throw .connection("bertd answered a request that was not sent (id \(response.id.map(String.init) ?? "null")): \(detail)")
            }
            ready[index] = response.result
            flush()
        }

        for item in items {
            let index = count
            count += 1
            switch item {
            case .invalid(let error):
                ready[index] = .failure(error)
                flush()
            case .request(let object):
                while inputIndexOfRequest.count >= window { try receiveOne() }
                let id = try client.send(method, .object(object))
                inputIndexOfRequest[id] = index
                params[index] = object
            }
        }
        while !inputIndexOfRequest.isEmpty { try receiveOne() }
        flush()
    }
}
