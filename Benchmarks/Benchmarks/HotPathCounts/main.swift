import Foundation
import HotPaths

// Runs one hot path a given number of times inside `measuredRuns`, for `Scripts/count-instructions.sh` to count the
// instructions of under callgrind (`--toggle-collect` on that function): instruction counts on machines without
// hardware counters, the same on every run.
//
//     HotPathCounts PATH [RUNS]      PATH one of the names --list prints; RUNS 20 by default
//     HotPathCounts --list
//
// With EVIDENT_HOT_PATH_INDEX set to an index directory of `Corpus/` (answers excluded, with the model), the
// search and grounding paths open it instead of building one.

/// The measured part: `runs` calls of `body`.
@inline(never)
func measuredRuns(_ runs: Int, _ body: () throws -> Void) rethrows {
    for _ in 0..<runs { try body() }
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["--list"] {
    for path in HotPath.allCases { print(path.rawValue) }
    exit(0)
}
guard (1...2).contains(arguments.count), let path = HotPath(rawValue: arguments[0]),
    let runs = arguments.count == 2 ? Int(arguments[1]) : 20, runs > 0
else {
    let names = HotPath.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: HotPathCounts PATH [RUNS]   (PATH: \(names); RUNS ≥ 1)\n".utf8))
    exit(2)
}
let index = ProcessInfo.processInfo.environment["EVIDENT_HOT_PATH_INDEX"].map { URL(fileURLWithPath: $0) }
guard let body = HotPathFixtures(indexDirectory: index).body(of: path) else {
    FileHandle.standardError.write(Data("HotPathCounts: \(path.rawValue) lacks its data (see above)\n".utf8))
    exit(3)
}
do {
    try body()  // warm-up: caches, lazily built tables
    try measuredRuns(runs, body)
    print("\(path.rawValue): \(runs) runs")
} catch {
    FileHandle.standardError.write(Data("HotPathCounts: \(path.rawValue) failed: \(error)\n".utf8))
    exit(1)
}
