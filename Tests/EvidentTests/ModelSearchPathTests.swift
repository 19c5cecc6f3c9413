import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct ModelSearchPathTests {
    @Test func theStandardPathGoesFromTheVariableToTheExecutableToTheUsersFolder() {
        let path = ModelSearchPath.standard(
            environment: ["EVIDENT_MODELS": "/opt/models", "HOME": "/home/ana"],
            executable: URL(fileURLWithPath: "/srv/evident/.build/release/evident"),
            currentDirectory: URL(fileURLWithPath: "/work"))
        #expect(
            path.folders.map(\.path) == [
                "/opt/models", "/work/Models", "/srv/evident/.build/release/Models", "/srv/evident/.build/Models",
                "/srv/evident/Models", "/srv/Models", "/Models", "/home/ana/.local/share/evident/models",
            ])
        let xdg = ModelSearchPath.standard(
            environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/ana"], executable: nil,
            currentDirectory: URL(fileURLWithPath: "/work"))
        #expect(xdg.folders.map(\.path) == ["/work/Models", "/data/evident/models"])
    }

    @Test func theFirstFolderThatHoldsTheModelsWeightsWins() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("evident-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let empty = root.appendingPathComponent("first/tiny-model")
        let real = root.appendingPathComponent("second/tiny-model")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        try Data([0]).write(to: real.appendingPathComponent("model.safetensors"))
        let path = ModelSearchPath(folders: [
            root.appendingPathComponent("first"), root.appendingPathComponent("second"),
        ])
        #expect(path.directory(for: "tiny-model")?.path == real.path)
        #expect(path.directory(for: "other-model") == nil)
    }
}
