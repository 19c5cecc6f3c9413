import Foundation

/// How `evident serve` listens and what it accepts.
public struct ServerConfiguration: Sendable, Hashable {
    /// The address to bind; loopback by default, so that nothing outside the machine reaches the server.
    public var host = "127.0.0.1"
    /// The TCP port; 0 picks a free one.
    public var port = 8080
    /// The largest request body read, in bytes (413 above it).
    public var maxBodyBytes = 256 * 1024
    /// The longest answer `POST /v1/ground` grounds, in characters (413 above it).
    public var maxAnswerCharacters = 20_000
    /// The most claims one `POST /v1/ground` request may carry (413 above it).
    public var maxClaims = 100
    /// The longest question or query, in characters (413 above it).
    public var maxQueryCharacters = 2_000
    /// A request not answered within this time gets 503 and its queued work is dropped.
    public var requestTimeLimit: Duration = .seconds(10)
    /// Threads that run searches, and threads that run `ask` and grounding.
    public var searchThreads = ProcessInfo.processInfo.activeProcessorCount
    public var groundingThreads = ProcessInfo.processInfo.activeProcessorCount
    /// The cores the two lanes share (see `CoreShare`): at most this many jobs run at once, groundings on at most
    /// all but one of them, searches first while both wait (three quarters of the time to a quarter).
    public var cores = ProcessInfo.processInfo.activeProcessorCount
    /// Requests that may wait for a thread; beyond that the server answers 503 at once.
    public var maxQueuedRequests = 512
    /// A connection that sends nothing for this long (between requests, or while its headers or body trickle in)
    /// is closed, so that idle or slow clients cannot hold connections open for ever.
    public var idleTimeout: Duration = .seconds(30)

    /// The defaults above.
    public init() {}
}
