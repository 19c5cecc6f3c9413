import ArgumentParser
import Evident
import EvidentServer
import Foundation
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve search, ask and grounding over HTTP, with a web page, from one loaded index (or route to shards).",
        discussion: """
            Loads the index (and its model) once and answers requests concurrently: GET / (the web page), \
            GET /health, GET /openapi.json, POST /v1/search {"query", "limit", "mode"}, POST /v1/ask \
            {"question", "sentences"}, POST /v1/ground {"answer"} or {"claims": [...]}. Responses have the JSON \
            shapes of the CLI's --json; errors are {"error": {"status", "code", "message"}}. One access-log line \
            per request goes to standard error. SIGINT or SIGTERM stops accepting connections and lets the \
            requests in flight finish.

            With --shards URL,URL,... instead of an index, it serves as the router of a sharded index: each request \
            goes to every shard's server (`evident serve SHARD-DIR --statistics FILE`), and their answers are \
            merged as one index of all their passages would answer (search, ask and grounding). \
            An answer lacking a shard that did not answer within --shard-timeout says "partial": true and names \
            the shards in "missing_shards".
            """)

    @Argument(help: "An index directory written by `evident index` (none with --shards).") var index: String?
    @Option(
        help: ArgumentHelp(
            "Route to the servers of a sharded index's shards instead of loading an index: their base addresses, "
                + "comma-separated (http://127.0.0.1:8081,http://127.0.0.1:8082,...), one for each shard 1 to N.",
            valueName: "urls"))
    var shards: String?
    @Option(help: "With --shards: seconds a shard may take to answer before an answer goes on without it.")
    var shardTimeout = 5.0
    @Option(help: "With --shards: seconds to wait at start for every shard to answer /health.")
    var shardWait = 60.0
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
        switch (index, shards) {
        case (nil, nil):
            throw ValidationError("Give an index directory, or --shards with the shard servers' addresses.")
        case (.some, .some): throw ValidationError("Give an index directory or --shards, not both.")
        case (nil, .some):
            guard model == nil, shardStatistics.statistics == nil else {
                throw ValidationError("--model and --statistics are the shard servers' options, not the router's.")
            }
        case (.some, nil): break
        }
        guard shardTimeout > 0, shardTimeout.isFinite else {
            throw ValidationError("--shard-timeout must be positive.")
        }
        guard shardWait >= 0, shardWait.isFinite else { throw ValidationError("--shard-wait must not be negative.") }
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
        guard let index else { return try await route(to: shards ?? "") }
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
        let application = buildApplication(service: service, logger: logger) { port in
            let line =
                "Evident serves \(index) (\(Format.counted(evidentIndex.passageCount, "passage"))) at "
                + "http://\(host):\(port)/ — Ctrl-C stops it\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        defer { service.stop() }
        try await serve(application)
    }

    /// Serves as the router of the shard servers at `urls` (comma-separated).
    private func route(to urls: String) async throws {
        var logger = Logger(label: "evident")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var timing = ShardRouter.Timing()
        timing.shardTimeout = .milliseconds(Int64((shardTimeout * 1000).rounded()))
        timing.startupWait = .milliseconds(Int64((shardWait * 1000).rounded()))
        let addresses = urls.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        if let wrong = addresses.first(where: { !($0.hasPrefix("http://") || $0.hasPrefix("https://")) }) {
            throw CommandFailure("--shards: \"\(wrong)\" is not an address; give each as http://HOST:PORT")
        }
        let router = try await ShardRouter.connect(
            to: addresses, timing: timing, grounding: verification.configuration(), verifier: try verification.load(),
            logger: logger)
        let name = "\(router.shards.count) shards"
        let host = self.host
        let application = buildRouterApplication(
            router: router, name: name, configuration: serverConfiguration, logger: logger
        ) { port in
            let line =
                "Evident routes to \(router.shards.count) shards (\(router.shards.map(\.url).joined(separator: ", ")))"
                + " at http://\(host):\(port)/ — Ctrl-C stops it\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        do {
            try await serve(application)
        } catch {
            await router.shutdown()
            throw error
        }
        await router.shutdown()
    }

    /// Runs `application` until SIGINT or SIGTERM, wording a failure to listen.
    private func serve(_ application: some ApplicationProtocol) async throws {
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
