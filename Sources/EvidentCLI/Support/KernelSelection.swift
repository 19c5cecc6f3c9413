import Evident
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts `evident` again with `OPENBLAS_CORETYPE` set when OpenBLAS chose slower kernels than this processor can
/// run (see `OpenBLASKernels`); the variable must be set before OpenBLAS loads, hence the new start.
///
/// Nothing happens when `OPENBLAS_CORETYPE` is already set (to choose kernels by hand, or to keep OpenBLAS's
/// choice: `OPENBLAS_CORETYPE=` with the name `evident info` prints), when this is already the second start, or
/// off Linux. If starting again fails, the command goes on with OpenBLAS's choice.
enum KernelSelection {
    /// Set in the second start, so that it never starts a third.
    static let restartedVariable = "EVIDENT_OPENBLAS_RESTARTED"

    static func restartWithFasterKernelsIfNeeded() {
        #if os(Linux)
            let environment = ProcessInfo.processInfo.environment
            guard environment[OpenBLASKernels.environmentVariable] == nil,
                environment[restartedVariable] == nil,
                let coreType = OpenBLASKernels.recommendedCoreType
            else { return }
            setenv(OpenBLASKernels.environmentVariable, coreType, 1)
            setenv(restartedVariable, "1", 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Still here: the new start failed. Carry on with the kernels already loaded.
            unsetenv(OpenBLASKernels.environmentVariable)
        #endif
    }
}
