import Dispatch
import Evident
import EvidentTestSupport
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import EvidentServer

#if canImport(Glibc)
    import Glibc
#endif

/// A real server on a free loopback port, spoken to over raw sockets: what a misbehaving client does.
@Suite(.enabled(if: LexicalFixture.retriever != nil, "the demo corpus (Corpus/) is missing"))
struct LiveServerTests {
    /// Runs a server over the lexical demo index with `configure`d settings, calls `body` with its port, and stops it.
    private func withServer(
        log: CapturedLog? = nil, _ configure: @escaping (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable @escaping (Int) async throws -> Void
    ) async throws {
        let service = try LexicalFixture.service {
            $0.port = 0
            configure(&$0)
        }
        let logger = Logger(label: "live", factory: { _ in log ?? CapturedLog() })
        let port = Mutex<Int?>(nil)
        let application = buildApplication(service: service, logger: logger) { bound in port.withLock { $0 = bound } }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await waitUntil("the server's start") { port.withLock { $0 } != nil }
            try await body(try #require(port.withLock { $0 }))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        service.stop()
    }

    @Test func aClientThatHangsUpInsideTheBodyIsNotAServerFailure() async throws {
        let log = CapturedLog()
        try await withServer(log: log) { port in
            try await BlockingWork.run {
                let socket = try LoopbackSocket(port: port)
                try socket.send(
                    "POST /v1/search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 200\r\n\r\n{\"query\": \"CAR")
                socket.close()
            }
            try await waitUntil("the access log line of the cut request") {
                log.all.contains { $0.contains("POST /v1/search") }
            }
        }
        let lines = log.all
        #expect(lines.contains { $0.contains("POST /v1/search 400") }, "\(lines)")
        #expect(!lines.contains { $0.contains(" 500 ") || $0.hasPrefix("error") }, "\(lines)")
    }

    @Test func aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(300) }) { port in
            let closed = try await BlockingWork.run { () -> Bool in
                let socket = try LoopbackSocket(port: port)
                defer { socket.close() }
                try socket.send("POST /v1/search HTTP/1.1\r\nHost: 127.0.0.1\r\n")  // and then nothing
                return socket.waitsForClose(within: 60)
            }
            #expect(closed, "the server kept a connection whose headers never ended")
        }
    }

    @Test func aPortInUseIsNamedAsSuch() async throws {
        let socket = try LoopbackSocket(listeningOnAnyPort: ())
        defer { socket.close() }
        let service = try LexicalFixture.service { $0.port = socket.port }
        defer { service.stop() }
        let logger = Logger(label: "live", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = buildApplication(service: service, logger: logger)
        do {
            try await application.runService()
            Issue.record("the server started on a port in use")
        } catch {
            #expect(
                listeningFailure(error, configuration: service.configuration)
                    == .addressInUse(host: "127.0.0.1", port: socket.port), "\(error)")
        }
        #expect(listeningFailure(CancellationError(), configuration: service.configuration) == nil)
    }
}

/// A blocking TCP socket on 127.0.0.1, for tests that must send what no HTTP client would.
private final class LoopbackSocket: Sendable {
    let descriptor: Int32
    let port: Int

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects to `port` on 127.0.0.1.
    init(port: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        self.descriptor = descriptor
        self.port = port
        var address = Self.loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw Failure(description: "connect to \(port): \(errno)")
        }
    }

    /// Listens on a free port of 127.0.0.1.
    init(listeningOnAnyPort: Void) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 1) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(descriptor)
            throw Failure(description: "bind: \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw Failure(description: "send: \(errno)") }
    }

    /// Whether the peer closes the connection within `seconds` (a read returns 0 or fails).
    func waitsForClose(within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }  // closed
            if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }  // reset counts; a timeout does not
        }
    }

    func close() { Glibc.close(descriptor) }
}
