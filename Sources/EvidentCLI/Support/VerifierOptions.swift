import ArgumentParser
import Evident
import Foundation

/// The options of the commands that give verdicts: which verifier reads the claims with their sentences, and
/// how strict `supported` is.
struct VerifierOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The claim verifier's folder (default: evident-verifier when it is found like the model; "
                + "Scripts/train-verifier.sh trains it).",
            valueName: "dir"))
    var verifier: String?
    @Flag(help: "Give verdicts without the verifier: the support score and the word rules alone.")
    var noVerifier = false
    @Flag(
        help: ArgumentHelp(
            "`supported` needs the verifier's entailment from a sentence and no contradiction from any cited one."))
    var strict = false
    @Option(
        help: ArgumentHelp(
            "The verifier's probability of \"supports\" that counts a sentence as entailing the claim (default: "
                + "\(GroundingConfiguration().entailmentThreshold)); higher is more cautious.",
            valueName: "p"))
    var entailmentThreshold: Double?
    @Option(
        help: ArgumentHelp(
            "The verifier's probability of \"refutes\" that counts a sentence as contradicting the claim "
                + "(default: \(GroundingConfiguration().refutationThreshold)); lower flags more.",
            valueName: "p"))
    var refutationThreshold: Double?

    func validate() throws {
        if noVerifier, verifier != nil { throw ValidationError("--verifier and --no-verifier exclude each other.") }
        if noVerifier, strict { throw ValidationError("--strict needs the verifier; drop --no-verifier.") }
        for (name, value) in [
            ("--entailment-threshold", entailmentThreshold), ("--refutation-threshold", refutationThreshold),
        ] {
            guard let value else { continue }
            guard (0...1).contains(value) else {
                throw ValidationError("\(name) must lie between 0 and 1, not \(value).")
            }
            if noVerifier { throw ValidationError("\(name) needs the verifier; drop --no-verifier.") }
        }
    }

    /// The grounding settings these options ask for.
    func configuration(_ base: GroundingConfiguration = GroundingConfiguration()) -> GroundingConfiguration {
        var configuration = base
        configuration.strict = strict
        if let entailmentThreshold { configuration.entailmentThreshold = entailmentThreshold }
        if let refutationThreshold { configuration.refutationThreshold = refutationThreshold }
        return configuration
    }

    /// The verifier: `--verifier DIR`, else `evident-verifier` on the model search path when it is there (it is
    /// not part of `make setup` yet: `Scripts/train-verifier.sh` trains it); `nil` with `--no-verifier` or when
    /// none is found.
    ///
    /// - Throws: `CommandFailure` when the verifier asked for cannot be loaded, or when `--strict` has none.
    func load() throws -> ClaimVerifier? {
        if noVerifier { return nil }
        guard let directory = ModelLocation.directory(for: ClaimVerifier.defaultModelID, given: verifier) else {
            if strict {
                throw CommandFailure(
                    "--strict needs the claim verifier, and \(ClaimVerifier.defaultModelID) is not in "
                        + "\(ModelLocation.searchPath.folders.map(\.path).joined(separator: ", ")); train it with "
                        + "Scripts/train-verifier.sh or pass --verifier DIR")
            }
            return nil
        }
        do {
            return try ClaimVerifier(directory: directory)
        } catch {
            throw Advice.worded(error)
        }
    }
}
