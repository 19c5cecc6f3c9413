import Dispatch
import Evident
import EvidentTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import EvidentServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite(.enabled(if: LexicalFixture.retriever != nil, "the demo corpus (Corpus/) is missing"))
struct GracefulShutdownTests {
    /// A real server on a free loopback port: asked to stop while a grounding is in flight, it stops accepting
    /// connections, lets the grounding finish with its answer, and then stops. The grounding lane's only thread
    /// is held until the server has stopped accepting, so the grounding is in flight whatever the machine's speed.
    @Test func aRequestInFlightFinishesWhenTheServerIsAskedToStop() async throws {
        let service = try LexicalFixture.service { $0.port = 0 }
        let logger = Logger(label: "shutdown", factory: { _ in SwiftLogNoOpLogHandler() })
        let port = Mutex<Int?>(nil)
        let application = buildApplication(service: service, logger: logger) { bound in port.withLock { $0 = bound } }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await waitUntil("the server's start") { port.withLock { $0 } != nil }
            let serverPort = try #require(port.withLock { $0 })

            let release = DispatchSemaphore(value: 0)
            defer { release.signal() }  // once more if the test stops early, so that the lane's thread ends
            let holder = try await service.groundingLane.hold(until: release)

            let answer = Array(repeating: "CAR T cells are made from a patient's own T cells.", count: 40)
                .joined(separator: "\n\n")
            var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(serverPort)/v1/ground")))
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: ["answer": answer])
            let inFlight = Task {
                let (data, response) = try await URLSession.shared.data(for: request)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
            }
            try await waitUntil("the grounding's arrival in its lane") { service.groundingLane.queued > 0 }

            await group.triggerGracefulShutdown()
            try await waitUntil("the end of new connections") {
                await !Self.answersHealth(port: serverPort)
            }
            release.signal()
            try await holder.value

            let (status, data) = try await inFlight.value
            #expect(status == 200)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect((object?["claims"] as? [Any])?.count == 40)
            try await tasks.waitForAll()
        }
        service.stop()
    }

    /// Whether a new connection to the server gets an answer from `GET /health`.
    private static func answersHealth(port: Int) async -> Bool {
        guard let url = URL(string: "http://127.0.0.1:\(port)/health") else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }
}
