import ArgumentParser
import Evident
import EvidentServer
import Foundation
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve search, ask and grounding over HTTP, with a web page, from one loaded index.",
        discussion: """
            Loads the index (and its model) once and answers requests concurrently: GET / (the web page), \
            GET /health, GET /openapi.json, POST /v1/search {"query", "limit", "mode"}, POST /v1/ask \
            {"question", "sentences"}, POST /v1/ground {"answer"} or {"claims": [...]}. Responses have the JSON \
            shapes of the CLI's --json; errors are {"error": {"status", "code", "message"}}. One access-log line \
            per request goes to standard error. SIGINT or SIGTERM stops accepting connections and lets the \
            requests in flight finish.
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Option(help: "The address to listen on (loopback by default; 0.0.0.0 for every interface).")
    var host = "127.0.0.1"
    @Option(help: "The TCP port (0 picks a free one and prints it).") var port = 8080
    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?
    @OptionGroup var verification: VerifierOptions
    @OptionGroup var shardStatistics: ShardStatisticsOptions
    @Option(help: "Seconds a request may take; slower ones get 503 and their queued work is dropped.")
    var timeLimit = 10.0
    @Option(help: "The longest answer POST /v1/ground accepts, in characters.") var maxAnswerCharacters = 20_000
    @Option(help: "The most claims one POST /v1/ground request may carry.") var maxClaims = 100
    @Option(help: "The largest request body, in bytes.") var maxBodyBytes = 256 * 1024
    @Option(
        help: "Seconds after which a connection that sends nothing (or whose request trickles in) is closed.")
    var idleTimeout = 30.0
    @Option(help: "Log level: trace, debug, info (one line per request), notice, warning, error.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must lie between 0 and 65535.") }
        guard timeLimit > 0, timeLimit.isFinite else { throw ValidationError("--time-limit must be positive.") }
        guard maxAnswerCharacters > 0 else { throw ValidationError("--max-answer-characters must be positive.") }
        guard maxClaims > 0 else { throw ValidationError("--max-claims must be positive.") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024.") }
        guard idleTimeout > 0, idleTimeout.isFinite else { throw ValidationError("--idle-timeout must be positive.") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
    }

    var serverConfiguration: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.requestTimeLimit = .milliseconds(Int64((timeLimit * 1000).rounded()))
        configuration.maxAnswerCharacters = maxAnswerCharacters
        configuration.maxClaims = maxClaims
        configuration.maxBodyBytes = maxBodyBytes
        configuration.idleTimeout = .milliseconds(Int64((idleTimeout * 1000).rounded()))
        return configuration
    }

    func run() async throws {
        let evidentIndex = try shardStatistics.openIndex(index)
        let retriever = try modelRetriever(
            for: evidentIndex, model: model,
            withoutVectors: "serving lexical search; ask and ground compare words alone", purpose: "the server")
        let name = URL(fileURLWithPath: index).standardizedFileURL.lastPathComponent
        // Concurrent requests keep the cores busy on their own: an OpenBLAS product split over every core would
        // make them wait for each other, and run the grounding lane's products at normal priority.
        Parallelism.matrixProductThreads = 1
        retriever.prepare()
        let service = EvidentService(
            retriever: retriever, name: name, configuration: serverConfiguration,
            grounding: verification.configuration(), verifier: try verification.load())
        var logger = Logger(label: "evident")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let host = self.host
        let index = self.index
        let application = buildApplication(service: service, logger: logger) { port in
            let line =
                "Evident serves \(index) (\(Format.counted(evidentIndex.passageCount, "passage"))) at "
                + "http://\(host):\(port)/ — Ctrl-C stops it\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        defer { service.stop() }
        do {
            try await application.runService()
        } catch {
            guard let failure = listeningFailure(error, configuration: serverConfiguration) else { throw error }
            let advice =
                switch failure {
                case .addressInUse: "pass --port with a free port (--port 0 picks one)"
                case .addressNotAvailable: "pass --host with an address of this machine (127.0.0.1 is always one)"
                case .permissionDenied: "pass --port 1024 or higher"
                }
            throw CommandFailure("cannot listen: \(failure); \(advice)")
        }
    }
}
