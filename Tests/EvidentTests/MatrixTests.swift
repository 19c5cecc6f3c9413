import Testing

@testable import Evident

@Suite struct MatrixTests {
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
