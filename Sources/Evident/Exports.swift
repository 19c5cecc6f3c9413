// The floors below the engine, re-exported so that `import Evident` gives the whole engine: documents and corpus
// readers (EvidentCorpus), index bytes and checksums (EvidentStorage), OpenBLAS's kernels and the engine's
// parallelism (EvidentLinearAlgebra).
@_exported public import EvidentCorpus
@_exported public import EvidentLinearAlgebra
@_exported public import EvidentStorage
