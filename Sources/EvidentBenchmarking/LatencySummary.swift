/// Latency percentiles of repeated runs of one operation, at microsecond resolution.
///
/// Percentiles are exact nearest-rank values over every sample (the smallest sample with at least p % of the
/// samples at or below it), which is what an HdrHistogram reports at full precision.
public struct LatencySummary: Sendable, Hashable, Codable {
    /// Timed runs.
    public var samples: Int
    /// Median latency, microseconds.
    public var p50: Double
    /// 95th percentile, microseconds.
    public var p95: Double
    /// 99th percentile, microseconds.
    public var p99: Double
    /// The slowest run, microseconds.
    public var max: Double
    /// The mean, microseconds.
    public var mean: Double
    /// Operations per second one after another: 10⁶ / mean.
    public var perSecond: Double

    /// Summarises run times given in nanoseconds.
    ///
    /// - Precondition: `nanoseconds` is not empty.
    public init(nanoseconds: [UInt64]) {
        precondition(!nanoseconds.isEmpty, "a latency summary needs at least one sample")
        let sorted = nanoseconds.sorted()
        func percentile(_ fraction: Double) -> Double {
            let rank = Swift.max(1, Int((fraction * Double(sorted.count)).rounded(.up)))
            return Double(sorted[Swift.min(rank, sorted.count) - 1]) / 1000
        }
        samples = sorted.count
        p50 = percentile(0.50)
        p95 = percentile(0.95)
        p99 = percentile(0.99)
        max = Double(sorted[sorted.count - 1]) / 1000
        mean = Double(sorted.reduce(0, +)) / Double(sorted.count) / 1000
        perSecond = mean > 0 ? 1_000_000 / mean : 0
    }
}
