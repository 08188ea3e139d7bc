import ArgumentParser
import Foundation
import Glibc
import RPC

/// How `annotate` reaches a daemon: a socket where one is listening, else a private `bertd --stdio` child.
struct DaemonOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The socket of a running bertd (default: $BERTD_SOCKET, then $XDG_RUNTIME_DIR/bertd.sock, else /tmp/bertd-$UID/bertd.sock).",
        discussion: "A socket named here must be live; the others are used only when a daemon listens on them.",
        valueName: "PATH"))
    var socket: String?

    @Flag(help: "Fail (exit 2) instead of starting bertd when no daemon is listening.")
    var noSpawn = false

    @Flag(help: "Always start a private bertd for this command, even when a daemon is listening.")
    var spawn = false

    @Option(help: ArgumentHelp(
        "The bertd executable to start (default: the one next to annotate, else bertd on PATH).",
        valueName: "PATH"))
    var bertd: String?

    @Option(name: .customLong("spawn-model"), help: ArgumentHelp(
        "A model for a started bertd, as NAME=DIR; repeat for several (default: bertd's shipped models).",
        valueName: "NAME=DIR"))
    var spawnModels: [String] = []

    func validate() throws {
        if noSpawn && spawn { throw ValidationError("--spawn and --no-spawn exclude each other") }
        if socket != nil && spawn { throw ValidationError("--spawn and --socket exclude each other") }
        for model in spawnModels where !model.contains("=") {
            throw ValidationError("--spawn-model expects NAME=DIR, got \"\(model)\"")
        }
    }

    /// Connects to a listening daemon or starts one.
    /// - Throws: `CLIError` with status 2 when no daemon can be reached or started.
    func connect(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> RPCClient {
        if let socket {
            do {
                return try RPCClient.connect(socketPath: socket)
            } catch {
                throw .daemon("\(error.description) (is `bertd --socket \(socket)` running?)")
            }
        }
        var tried: [String] = []
        if !spawn {
            for path in candidateSockets(environment) {
                tried.append(path)
                // A socket file with nobody accepting (a daemon that crashed) is skipped, not an error.
                if let client = try? RPCClient.connect(socketPath: path) { return client }
            }
        }
        if noSpawn {
            throw .daemon("no bertd is listening on \(tried.joined(separator: " or ")), and --no-spawn forbids starting one; "
                + "start it with `bertd --socket PATH` or pass --socket")
        }
        let executable = try bertdExecutable(environment)
        let arguments = ["--log-level", "warning"] + spawnModels.flatMap { ["--model", $0] }
        do {
            return try RPCClient.spawn(bertdPath: executable, arguments: arguments)
        } catch {
            throw .daemon(error.description)
        }
    }

    /// `$BERTD_SOCKET`, then the daemon's default path.
    func candidateSockets(_ environment: [String: String]) -> [String] {
        var paths: [String] = []
        if let fromEnvironment = environment["BERTD_SOCKET"], !fromEnvironment.isEmpty { paths.append(fromEnvironment) }
        let fallback = UnixSocketListener.defaultPath(environment: environment)
        if !paths.contains(fallback) { paths.append(fallback) }
        return paths
    }

    /// `--bertd`, else `bertd` beside this executable (as installed or built together), else on `PATH`.
    func bertdExecutable(_ environment: [String: String]) throws(CLIError) -> String {
        if let bertd {
            guard access(bertd, X_OK) == 0 else { throw .daemon("--bertd \(bertd) is not an executable file") }
            return bertd
        }
        if let own = Self.ownExecutable() {
            let sibling = (own as NSString).deletingLastPathComponent + "/bertd"
            if access(sibling, X_OK) == 0 { return sibling }
        }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/bertd"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw .daemon("no bertd is running and no bertd executable was found next to annotate or on PATH; pass --bertd PATH")
    }

    /// This process's executable, resolved through symbolic links.
    private static func ownExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
