public import Foundation

/// The folders where a model is looked for by name, in order: an index records the name of the model its vectors
/// come from (such as `all-MiniLM-L6-v2`), and searching, asking and grounding need that model again.
///
/// The standard search path, first match wins:
/// 1. `$EVIDENT_MODELS` (a folder of model folders), when set;
/// 2. `Models/` in the current directory;
/// 3. `Models/` beside the running executable or in any folder above it, so that `.build/release/evident` finds
///    the `Models/` of its checkout (where `make setup` puts all-MiniLM-L6-v2) wherever it is started;
/// 4. `$XDG_DATA_HOME/evident/models`, by default `~/.local/share/evident/models`: the place to install models
///    for every user's runs.
public struct ModelSearchPath: Sendable, Hashable {
    /// The folders searched, in order; each holds model folders by name.
    public var folders: [URL]

    /// The name of the default model, the one `make setup` fetches.
    public static let defaultModelID = "all-MiniLM-L6-v2"

    /// The file that tells a model folder from any other folder.
    static let weightsFile = "model.safetensors"

    /// Creates a search path over `folders`.
    public init(folders: [URL]) {
        self.folders = folders
    }

    /// The standard search path (see the type's description).
    ///
    /// - Parameters:
    ///   - environment: The variables `EVIDENT_MODELS`, `XDG_DATA_HOME` and `HOME` are read from it.
    ///   - executable: The running executable (symbolic links resolved); `nil` leaves its folders out.
    ///   - currentDirectory: The folder relative paths start from.
    /// - Returns: The folders, in order, each once.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> ModelSearchPath {
        var folders: [URL] = []
        if let models = environment["EVIDENT_MODELS"], !models.isEmpty {
            folders.append(URL(fileURLWithPath: models, relativeTo: currentDirectory).standardizedFileURL)
        }
        folders.append(currentDirectory.appendingPathComponent("Models").standardizedFileURL)
        if let executable {
            var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent().standardizedFileURL
            while true {
                folders.append(folder.appendingPathComponent("Models"))
                let parent = folder.deletingLastPathComponent().standardizedFileURL
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            folders.append(URL(fileURLWithPath: data).appendingPathComponent("evident/models"))
        } else if let home = environment["HOME"], !home.isEmpty {
            folders.append(URL(fileURLWithPath: home).appendingPathComponent(".local/share/evident/models"))
        }
        var seen = Set<String>()
        return ModelSearchPath(folders: folders.filter { seen.insert($0.path).inserted })
    }

    /// The first folder `folder/modelID` of the search path that holds a model (its `model.safetensors`), or
    /// `nil` when none does.
    public func directory(for modelID: String) -> URL? {
        for folder in folders {
            let candidate = folder.appendingPathComponent(modelID)
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(Self.weightsFile).path) {
                return candidate
            }
        }
        return nil
    }
}
