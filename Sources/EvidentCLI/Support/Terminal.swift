import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Facts about where the output goes, and a progress line on standard error.
enum Terminal {
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether colours are wanted on standard output: a terminal, and `NO_COLOR` unset (no-color.org).
    static var usesColor: Bool { standardOutputIsTerminal && getenv("NO_COLOR") == nil }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Seconds since an arbitrary start, from a monotonic clock.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// A single line on standard error that redraws itself, at most ten times a second; silent when standard error is
/// not a terminal (CI logs get only the summary).
final class ProgressLine: @unchecked Sendable {  // state guarded by `lock`
    private let lock = NSLock()
    private let isEnabled: Bool
    private var lastDraw = 0.0
    private var isDrawn = false

    init(isEnabled: Bool = Terminal.standardErrorIsTerminal) {
        self.isEnabled = isEnabled
    }

    func update(_ text: @autoclosure () -> String, force: Bool = false) {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Terminal.now()
        guard force || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        Terminal.writeError("\r\u{1B}[2K" + text())
        isDrawn = true
    }

    /// Clears the line so that the next output starts on an empty line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard isEnabled, isDrawn else { return }
        Terminal.writeError("\r\u{1B}[2K")
        isDrawn = false
    }
}

/// Formats counts and sizes for people.
enum Format {
    static func count(_ value: Int) -> String {
        let digits = String(value)
        var output = ""
        for (offset, character) in digits.reversed().enumerated() {
            if offset > 0, offset % 3 == 0, character != "-" { output.append(",") }
            output.append(character)
        }
        return String(output.reversed())
    }

    /// "1 document", "1,433 documents": the count and the noun, plural with an "s" when the count is not 1.
    static func counted(_ value: Int, _ noun: String) -> String {
        "\(count(value)) \(noun)\(value == 1 ? "" : "s")"
    }

    /// A rate for people: "4,569", "57", "1.6" (one decimal under 10, so that a slow rate is not "0").
    static func rate(_ count: Int, per seconds: Double) -> String {
        let value = Double(count) / max(seconds, 1e-6)
        return value < 10 ? decimal(value, places: 1) : self.count(Int(value.rounded()))
    }

    static func bytes(_ value: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var size = Double(value)
        var unit = 0
        while size >= 1000, unit < units.count - 1 {
            size /= 1000
            unit += 1
        }
        return unit == 0 ? "\(value) B" : "\(decimal(size, places: 1)) \(units[unit])"
    }

    static func decimal(_ value: Double, places: Int) -> String {
        if places == 0 { return "\(Int(value.rounded()))" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < places { text += String(repeating: "0", count: places - decimals) }
        } else if places > 0 {
            text += "." + String(repeating: "0", count: places)
        }
        return text
    }

    static func seconds(_ value: Double) -> String {
        value < 1 ? "\(decimal(value * 1000, places: 0)) ms" : "\(decimal(value, places: 2)) s"
    }
}

/// A failure while running a command (bad input file, damaged index): printed as "Error: …" without the usage
/// text, which `ValidationError` would add, and with exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
