import EvidentTestSupport
import Testing

@testable import Evident

@Suite(.offThePool) struct MatrixTests {
    @Test func sgemmMultipliesASmallMatrixAsComputedByHand() {
        let a = Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 3, columns: 2, elements: [7, 8, 9, 10, 11, 12])
        let product = a.multiplied(by: b)
        #expect(product.rows == 2 && product.columns == 2)
        // [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
        #expect(product.elements == [58, 64, 139, 154])
    }

    @Test func multiplyingByTheIdentityReturnsTheSameMatrix() {
        let a = Matrix(rows: 3, columns: 3, elements: [2, -1, 0, 0.5, 3, 7, -4, 1, 9])
        let identity = Matrix(rows: 3, columns: 3, elements: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(a.multiplied(by: identity) == a)
    }
}

@Suite(.offThePool) struct BLASTests {
    @Test func gemmWithTransposesMatchesProductsComputedByHand() {
        // a is 2×3; aᵀ·a is 3×3; a·aᵀ is 2×2.
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        var gram = [Float](repeating: 0, count: 9)
        var outer = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { a in
            gram.withUnsafeMutableBufferPointer { BLAS.gemm(a, transposeA: true, a, into: $0, m: 3, n: 3, k: 2) }
            outer.withUnsafeMutableBufferPointer { BLAS.gemm(a, a, transposeB: true, into: $0, m: 2, n: 2, k: 3) }
        }
        #expect(gram == [17, 22, 27, 22, 29, 36, 27, 36, 45])
        #expect(outer == [14, 32, 32, 77])
    }

    @Test func gemvAccumulatesWithBeta() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // 3×2
        let x: [Float] = [1, -1]
        var y: [Float] = [10, 10, 10]
        a.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { BLAS.gemv(a, rows: 3, columns: 2, x, into: $0, alpha: 2, beta: 1) }
            }
        }
        #expect(y == [8, 8, 8])  // 2·(−1) + 10 for every row
    }
}

@Suite(.offThePool) struct OpenBLASKernelsTests {
    private let skylake: Kernels.ProcessorFeatures = [.avx2FMA, .avx512Skylake]

    @Test func genericKernelsOnAnAVX512ProcessorAreUpgradedToSkylakeX() {
        #expect(OpenBLASKernels.recommendedCoreType(running: "Prescott", features: skylake) == "SkylakeX")
        #expect(OpenBLASKernels.recommendedCoreType(running: "Haswell", features: skylake) == "SkylakeX")
    }

    @Test func avx512KernelsAreKept() {
        for name in ["SkylakeX", "COOPERLAKE", "SapphireRapids"] {
            #expect(OpenBLASKernels.recommendedCoreType(running: name, features: skylake) == nil)
        }
    }

    @Test func avx2ProcessorsGetHaswellKernelsOnlyWhenRunningOlderOnes() {
        #expect(OpenBLASKernels.recommendedCoreType(running: "Prescott", features: .avx2FMA) == "Haswell")
        #expect(OpenBLASKernels.recommendedCoreType(running: "Zen", features: .avx2FMA) == nil)
        #expect(OpenBLASKernels.recommendedCoreType(running: "Prescott", features: []) == nil)
    }

    @Test func theRunningFamilyHasAName() {
        #expect(!OpenBLASKernels.coreName.isEmpty)
        #expect(OpenBLASKernels.coreName != "unknown")
    }
}
