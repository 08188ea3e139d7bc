import ArgumentParser
import BERT

@main
struct Bertd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bertd",
        abstract: "A long-running BERT annotation daemon speaking JSON-RPC 2.0 over stdio or a Unix socket.",
        discussion: """
            With no subcommand, bertd serves: `bertd --stdio` for an editor, `bertd --socket PATH` for \
            scripts and many clients (default path: $XDG_RUNTIME_DIR/bertd.sock, else /tmp/bertd-$UID/bertd.sock).
            """,
        subcommands: [Serve.self, TokenizeCommand.self, InspectCommand.self, ForwardCommand.self],
        defaultSubcommand: Serve.self)
}

extension WeightPrecision: ExpressibleByArgument {}
