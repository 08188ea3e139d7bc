import Glibc

/// ANSI styling for human output, or plain text when colours are off.
///
/// Every helper wraps its text and resets afterwards, so styles never leak into the next piece.
struct Style: Sendable {
    /// Whether escape sequences are written at all.
    let colored: Bool

    /// Whether `--color auto` should colour: stdout is a terminal and `NO_COLOR` is unset or empty
    /// (https://no-color.org: "when present and not an empty string").
    static func automatic(environment: [String: String]) -> Bool {
        guard isatty(STDOUT_FILENO) == 1 else { return false }
        return (environment["NO_COLOR"] ?? "").isEmpty
    }

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    /// Red and struck through: text a correction removes.
    func removed(_ text: String) -> String { wrap(text, "9;31") }
    /// Bold green: text a correction puts in.
    func inserted(_ text: String) -> String { wrap(text, "1;32") }
    /// Bold and underlined: an answer inside its context.
    func highlight(_ text: String) -> String { wrap(text, "1;4") }

    /// A label's colour, stable across runs (from the label's scalars, not the seeded `hashValue`), so
    /// the same entity type always looks the same.
    func label(_ text: String, as label: String) -> String {
        let palette = ["36", "35", "33", "34", "32", "31"]
        let core = label.split(separator: "-").last.map(String.init) ?? label
        let index = core.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xffff } % palette.count
        return wrap(text, palette[index])
    }

    private func wrap(_ text: String, _ code: String) -> String {
        colored && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// `--color`: when human output is coloured.
enum ColorChoice: String, CaseIterable, Sendable {
    case auto, always, never
}
