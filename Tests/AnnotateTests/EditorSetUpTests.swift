import Foundation
import Testing
import TestSupport

/// Whether `nvim` is on PATH (Neovim is optional: the project does not install it).
private let neovimOnPath: Bool = {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains { directory in
        FileManager.default.isExecutableFile(atPath: "\(directory)/nvim")
    }
}()

@Suite struct EditorSetUpTests {
    @Test("Neovim set-up: diagnostic, code action, buffer changed (skipped when nvim is not on PATH)",
          .enabled(if: neovimOnPath, "nvim is not on PATH"))
    func neovimAppliesQuickFix() throws {
        let script = Fixtures.packageRoot.appendingPathComponent("Clients/neovim/test.sh")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script.path, DaemonProcess.executable.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The script bounds itself (timeout 120); its output is small, so reading to the end cannot block it.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("ok: "), "\(text)")
    }
}
