/// How far one call into the library may spread its work beyond the thread that made it.
///
/// By default the encoder shares a short text's linear layers, and the element-wise steps of a large batch, with
/// a helper thread, and OpenBLAS runs each matrix product on all cores: that makes a single call as fast as the
/// machine allows. A server that answers many calls at once gets its parallelism from the calls themselves, and
/// one that runs some of them on threads of lower priority wants that work to stay on those threads, not move to
/// helper threads of normal priority.
public enum Parallelism {
    /// Whether the calls made inside `Parallelism.$callerThreadOnly.withValue(true) { … }` keep all their work on
    /// the calling thread (the encoder's own splitting; OpenBLAS's threads are set by `matrixProductThreads`).
    @TaskLocal public static var callerThreadOnly = false

    /// The threads OpenBLAS uses for one matrix product, for the whole process (OpenBLAS has no other setting).
    /// Its default is every core.
    public static var matrixProductThreads: Int {
        get { BLAS.threadCount }
        set { BLAS.threadCount = newValue }
    }
}
