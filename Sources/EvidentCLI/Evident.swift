import ArgumentParser
import Evident

@main
struct EvidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evident",
        abstract: "Index guideline documents and retrieve passages with exact citations.",
        discussion: """
            Start with `evident index CORPUS --out INDEX`, then `evident search INDEX "query"`.

            Models are found by name (an index records the name of the model its vectors come from), in the first             of these folders that holds one: $EVIDENT_MODELS, ./Models, Models/ beside the evident executable or             in a folder above it (a checkout's .build/release/evident finds the checkout's Models/, where             `make setup` puts all-MiniLM-L6-v2), and $XDG_DATA_HOME/evident/models (~/.local/share/evident/models).             --model DIR names a folder instead.
            """,
        version: evidentVersion,
        subcommands: [
            IndexCommand.self, SearchCommand.self, AskCommand.self, GroundCommand.self, EvalCommand.self,
            EvalGroundingCommand.self,
            EmbedCommand.self,
            InfoCommand.self, ShowCommand.self, OptimizeCommand.self, StatisticsCommand.self, BenchCommand.self,
            ServeCommand.self,
            ReadPDFCommand.self,
        ]
    )

    static func main() async {
        KernelSelection.restartWithFasterKernelsIfNeeded()
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            // The engine's errors state facts; the command adds what to do in terms of its own flags.
            exit(withError: Advice.worded(error))
        }
    }
}
