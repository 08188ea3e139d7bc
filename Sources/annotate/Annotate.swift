import ArgumentParser
import Foundation
import Glibc

/// `annotate`: BERT annotations from the shell, served by bertd.
struct Annotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Annotate text with the BERT models of a bertd daemon: entities, answers, corrections and more.",
        discussion: """
            annotate talks to a running bertd (--socket, $BERTD_SOCKET, then the default socket path). When \
            none is listening it starts `bertd --stdio` for the duration of the command (--no-spawn fails \
            instead; --spawn-model NAME=DIR chooses its models).

            Input: each TEXT argument, else each non-blank line of --file PATH or of stdin, is one request. \
            --jsonl streams a file of requests (one per line) and writes one JSON result per line.

            Exit status: 0 ok, 1 usage error, 2 no daemon or connection lost, 3 the daemon refused a request \
            (its message is on stderr).

            Examples:
              annotate label '张三在北京工作'
              annotate correct --threshold 0.5 '我们今天去公圆玩'
              annotate answer --question '谁在北京工作？' '张三在北京工作。'
              annotate fill-mask --top-k 3 '北京是中国的[MASK]都。'
              annotate label --jsonl --file corpus.txt > entities.jsonl
              annotate models
            """,
        subcommands: [
            LabelCommand.self, AnswerCommand.self, CorrectCommand.self, FillMaskCommand.self,
            ClassifyCommand.self, SegmentCommand.self, TokenizeCommand.self, EmbedCommand.self,
            ModelsCommand.self, StatusCommand.self,
        ])

    /// Parses, runs, and exits with the documented statuses (ArgumentParser's own usage status, 64, is 1 here).
    static func runMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Output.flush()
            Glibc.exit(CLIError.Status.ok)
        } catch let error as CLIError {
            Output.flush()
            if !error.description.isEmpty { Output.error(error.description) }
            if error.status == CLIError.Status.usage {
                Output.standardError("Run 'annotate --help' for usage.\n")
            }
            Glibc.exit(error.status)
        } catch {
            Output.flush()
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version: ArgumentParser prints them to stdout and exits 0.
                exit(withError: error)
            }
            // The message ends with the usage line and where to find --help.
            Output.standardError(fullMessage(for: error) + "\n")
            if code == .validationFailure { Glibc.exit(CLIError.Status.usage) }
            Glibc.exit(code.rawValue == 0 ? CLIError.Status.usage : code.rawValue)
        }
    }
}

@main
enum AnnotateMain {
    static func main() {
        Annotate.runMain()
    }
}
