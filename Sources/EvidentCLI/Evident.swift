import ArgumentParser

@main
struct EvidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evident",
        abstract: "Index guideline documents and retrieve cited passages.",
        version: "0.1.0",
        subcommands: []
    )
}
