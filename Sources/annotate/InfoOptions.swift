import ArgumentParser
import Foundation
import JSON
import RPC

/// Options of the subcommands that ask the daemon about itself (`models`, `status`).
struct InfoOptions: ParsableArguments {
    @Flag(help: "Print the raw result as one line of JSON.")
    var json = false

    @Option(help: ArgumentHelp("Colour output: auto, always or never.", valueName: "WHEN"))
    var color: ColorChoice = .auto

    @OptionGroup(title: "Daemon")
    var daemon: DaemonOptions

    /// Calls `method` without params and prints the result as JSON or through `render`.
    func run(_ method: String, render: (JSON, Style) -> String) throws(CLIError) {
        let client = try daemon.connect()
        defer { client.close() }
        let result: JSON
        do {
            result = try client.call(method)
        } catch {
            if case .response = error { throw .request(error.description) }
            throw .daemon(error.description)
        }
        if json {
            Output.line(result.serializedString)
        } else {
            let style = switch color {
            case .always: Style(colored: true)
            case .never: Style(colored: false)
            case .auto: Style(colored: Style.automatic(environment: ProcessInfo.processInfo.environment))
            }
            Output.line(render(result, style))
        }
    }
}
