import ArgumentParser
import Foundation
import Glibc

extension ColorChoice: ExpressibleByArgument {}

/// Options every annotating subcommand shares: the model, where input comes from, how output looks.
struct CommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The loaded model to use (default: the daemon's default for the method).",
                               valueName: "NAME"))
    var model: String?

    @Option(name: .customLong("file"), help: ArgumentHelp(
        "Read input from this file instead of arguments or stdin ('-' is stdin).", valueName: "PATH"))
    var file: String?

    @Flag(help: ArgumentHelp(
        "Batch mode: one request per input line, one JSON result per output line, in input order.",
        discussion: """
            A line holding a JSON object is the request's params (options given on the command line fill in \
            what it leaves out); any other line is the text. A line that fails is answered with \
            {"error": {...}} in its place, and the exit status is then 3.
            """))
    var jsonl = false

    @Option(help: ArgumentHelp("Requests in flight at once in batch mode.", valueName: "N"))
    var window: Int = 64

    @Flag(help: "Print each raw result as one line of JSON instead of human output.")
    var json = false

    @Option(help: ArgumentHelp("Colour human output: auto (a terminal without NO_COLOR), always or never.",
                               valueName: "WHEN"))
    var color: ColorChoice = .auto

    @OptionGroup(title: "Daemon")
    var daemon: DaemonOptions

    func validate() throws {
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
    }

    /// The styling for human output.
    func style(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        switch color {
        case .always: Style(colored: true)
        case .never: Style(colored: false)
        case .auto: Style(colored: Style.automatic(environment: environment))
        }
    }

    /// The input lines: the arguments, else the file, else stdin.
    ///
    /// Arguments are returned as given; file and stdin lines are read lazily (batch jobs stream).
    /// - Throws: `CLIError` (usage) when there is no input to read or the file cannot be opened.
    func inputLines(arguments: [String]) throws(CLIError) -> LineSource {
        if !arguments.isEmpty {
            if file != nil { throw .usage("give input as arguments or with --file, not both") }
            return .strings(arguments)
        }
        if let file, file != "-" {
            guard let handle = fopen(file, "re") else {  // e: close-on-exec, not inherited by a spawned bertd
                throw .usage("cannot read \(file): \(String(cString: strerror(errno)))")
            }
            return .file(handle)
        }
        if file == nil && isatty(STDIN_FILENO) == 1 {
            throw .usage("no input: give text as arguments, --file PATH, or pipe it on stdin")
        }
        guard let standardInput = fdopen(STDIN_FILENO, "r") else {
            throw .usage("cannot read stdin: \(String(cString: strerror(errno)))")
        }
        return .file(standardInput)
    }
}

/// Input lines, from arguments or read one at a time from a C stream.
enum LineSource: Sequence, IteratorProtocol {
    case strings([String])
    case file(UnsafeMutablePointer<FILE>)

    /// The next line without its line ending, nil at the end.
    mutating func next() -> String? {
        switch self {
        case .strings(var remaining):
            guard !remaining.isEmpty else { return nil }
            let first = remaining.removeFirst()
            self = .strings(remaining)
            return first
        case .file(let handle):
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            let length = getline(&line, &capacity, handle)
            guard length >= 0, let line else { return nil }
            var bytes = UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self),
                                            count: length)[...]
            if bytes.last == UInt8(ascii: "\n") { bytes = bytes.dropLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
