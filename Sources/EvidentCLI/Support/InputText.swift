import Foundation

/// Reads a command's text input: a file, or standard input for `-` or no path.
enum InputText {
    /// The text and the name to use in messages ("standard input" or the path).
    static func read(_ path: String?) throws -> (text: String, source: String) {
        let data: Data
        let source: String
        if let path, path != "-" {
            source = path
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("\(path): cannot read the file; check that it exists and is readable")
            }
            data = contents
        } else {
            source = "standard input"
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("\(source): the input is not valid UTF-8; convert it to UTF-8 first")
        }
        return (text, source)
    }
}
