import Foundation
import Testing

@testable import OptKit

/// The vectorizable float functions against libm in double precision.
@Suite struct FastMathTests {
    /// Largest relative error of `f` against `reference` over `count` points in `range`
    /// (absolute error where the true value is below `floor`).
    static func worstError(
        _ f: (Float) -> Float, _ reference: (Double) -> Double, _ range: ClosedRange<Float>, floor: Double = 1e-30,
        count: Int = 200_000
    ) -> Double {
        var worst = 0.0
        let step = (range.upperBound - range.lowerBound) / Float(count)
        for i in 0...count {
            let x = range.lowerBound + Float(i) * step
            let expected = reference(Double(x))
            let error = abs(Double(f(x)) - expected) / max(abs(expected), floor)
            worst = max(worst, error)
        }
        return worst
    }

    @Test func expIsAccurateToAFewUlp() {
        #expect(Self.worstError(FastMath.exp, Foundation.exp, -87...88.7) < 4e-7)
        #expect(Self.worstError(FastMath.exp, Foundation.exp, -1...1) < 2.5e-7)
    }

    @Test func tanhSigmoidErfLogAreAccurate() {
        #expect(Self.worstError(FastMath.tanh, Foundation.tanh, -12...12) < 4e-7)
        #expect(Self.worstError(FastMath.tanh, Foundation.tanh, -0.01...0.01) < 2.5e-7)
        #expect(Self.worstError(FastMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }, -80...30) < 5e-7)
        #expect(Self.worstError(FastMath.erf, Foundation.erf, -6...6) < 4e-7)
        #expect(Self.worstError(FastMath.erf, Foundation.erf, -0.001...0.001) < 2.5e-7)
        // erfc's tail inherits the rounding of x^2 (relative error about x^2 * 6e-8).
        #expect(Self.worstError(FastMath.erfc, Foundation.erfc, -1...1) < 6e-7)
        #expect(Self.worstError(FastMath.erfc, Foundation.erfc, 1...5) < 1.6e-6)
        #expect(Self.worstError(FastMath.erfc, Foundation.erfc, -6...9) < 5e-6)
        #expect(Self.worstError(FastMath.log, Foundation.log, 1e-6...1e6) < 3e-7)
        #expect(Self.worstError(FastMath.log, Foundation.log, 0.5...2, floor: 1e-7) < 3e-7)
    }

    @Test func specialValuesMapAsInLibm() {
        #expect(FastMath.exp(0) == 1)
        #expect(FastMath.exp(.infinity) == .infinity)
        #expect(FastMath.exp(-.infinity) == 0)
        #expect(FastMath.exp(100) == .infinity)
        #expect(FastMath.exp(-100) == 0)
        #expect(FastMath.exp(88.5) > 2.7e38 && FastMath.exp(88.5).isFinite)
        #expect(FastMath.exp(.nan).isNaN)
        #expect(FastMath.tanh(.infinity) == 1 && FastMath.tanh(-.infinity) == -1)
        #expect(FastMath.tanh(.nan).isNaN)
        #expect(FastMath.erf(.infinity) == 1 && FastMath.erf(-.infinity) == -1)
        #expect(FastMath.erf(.nan).isNaN)
        #expect(FastMath.erfc(.infinity) == 0 && FastMath.erfc(-.infinity) == 2)
        #expect(FastMath.erfc(.nan).isNaN)
        #expect(FastMath.sigmoid(-.infinity) == 0 && FastMath.sigmoid(.infinity) == 1)
        #expect(FastMath.log(0) == -.infinity)
        #expect(FastMath.log(-1).isNaN)
        #expect(FastMath.log(.infinity) == .infinity)
        #expect(FastMath.log(.nan).isNaN)
        #expect(FastMath.log(1) == 0)
        // Subnormal input.
        let tiny = Float.leastNonzeroMagnitude
        #expect(abs(Double(FastMath.log(tiny)) - Foundation.log(Double(tiny))) < 1e-5)
    }
}
