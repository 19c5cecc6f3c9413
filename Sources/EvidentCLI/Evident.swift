import ArgumentParser
import Evident

@main
struct EvidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evident",
        abstract: "Index guideline documents and retrieve passages with exact citations.",
        discussion: "Start with `evident index CORPUS --out INDEX`, then `evident search INDEX \"query\"`.",
        version: evidentVersion,
        subcommands: [
            IndexCommand.self, SearchCommand.self, AskCommand.self, GroundCommand.self, EvalCommand.self,
            EvalGroundingCommand.self,
            EmbedCommand.self,
            InfoCommand.self, BenchCommand.self, ServeCommand.self,
        ]
    )

    static func main() async {
        KernelSelection.restartWithFasterKernelsIfNeeded()
        await main(nil)
    }
}
