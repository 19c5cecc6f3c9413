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
    /// A real server on a free loopback port: a shutdown asked for while a grounding is in flight lets it finish
    /// with its answer, and the server stops.
    @Test func aRequestInFlightFinishesWhenTheServerIsAskedToStop() async throws {
        let service = try LexicalFixture.service { $0.port = 0 }
        let logger = Logger(label: "shutdown", factory: { _ in SwiftLogNoOpLogHandler() })
        let port = Mutex<Int?>(nil)
        let application = buildApplication(service: service, logger: logger) { bound in port.withLock { $0 = bound } }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var bound: Int?
            for _ in 0..<500 where bound == nil {
                try await Task.sleep(for: .milliseconds(10))
                bound = port.withLock { $0 }
            }
            let serverPort = try #require(bound, "the server did not start")

            // A grounding long enough to be in flight when the shutdown comes.
            let answer = Array(repeating: "CAR T cells are made from a patient's own T cells.", count: 40)
                .joined(separator: "\n\n")
            var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(serverPort)/v1/ground")))
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: ["answer": answer])
            let finished = Mutex(false)
            let inFlight = Task {
                let (data, response) = try await URLSession.shared.data(for: request)
                finished.withLock { $0 = true }
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
            }
            try await Task.sleep(for: .milliseconds(150))
            #expect(finished.withLock { $0 } == false, "the grounding should still be running")
            await group.triggerGracefulShutdown()
            let (status, data) = try await inFlight.value
            #expect(status == 200)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect((object?["claims"] as? [Any])?.count == 40)
            try await tasks.waitForAll()
        }
        service.stop()
    }
}
