import CKernels
import Foundation
import Testing
@testable import Trainer

/// Every path this machine runs, and the AVX-512 tile code compiled for AVX2 where that runs.
let testedPaths: [KernelPath] = KernelPath.supported + (KernelPath.avx512ShapeOnAVX2.isSupported ? [.avx512ShapeOnAVX2] : [])

private func randomFloats(_ count: Int, _ g: inout Generator, zeros: Bool = false) -> [Float] {
    (0..<count).map { _ in zeros && g.next(below: 3) == 0 ? 0 : Float(Int(g.next(below: 2001)) - 1000) / 700 }
}

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

/// The definition in CKernels.h, written out in Swift: one fma per term in increasing p.
private func definedProduct(transposeA: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int, b: [Float], ldb: Int,
                            beta: Float, c: [Float], ldc: Int) -> [Float] {
    var out = c
    for i in 0..<m {
        for j in 0..<n {
            var acc: Float = 0
            for p in 0..<k { acc = acc.addingProduct(transposeA ? a[p * lda + i] : a[i * lda + p], b[p * ldb + j]) }
            out[i * ldc + j] = beta == 0 ? alpha * acc : (beta * c[i * ldc + j]).addingProduct(alpha, acc)
        }
    }
    return out
}

/// (20, 520, 260): a B of half a megabyte or more, copied into panels with A's row blocks.
@Test(arguments: [(1, 1, 1), (5, 3, 7), (6, 16, 10), (7, 17, 33), (13, 10, 256), (50, 40, 3), (64, 130, 29), (9, 33, 0), (20, 520, 260)])
func everyPathComputesTheDefinedProductBitForBit(m: Int, n: Int, k: Int) {
    var g = Generator(seed: UInt64(m * 10_000 + n * 100 + k))
    for transposeA in [false, true] {
        for (alpha, beta) in [(Float(1), Float(0)), (-0.001, 1), (0.37, -1.5)] {
            let lda = (transposeA ? m : k) + 3, ldb = n + 2, ldc = n + 1
            let a = randomFloats((transposeA ? k : m) * lda, &g, zeros: true)
            let b = randomFloats(max(k, 1) * ldb, &g)
            let c = randomFloats(m * ldc, &g)
            let expected = definedProduct(transposeA: transposeA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                          beta: beta, c: c, ldc: ldc)
            for path in testedPaths {
                var out = c
                nn_gemm(path.isa, transposeA ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, &out, Int32(ldc))
                #expect(bits(out) == bits(expected), "\(path) \(m)x\(n)x\(k) transposeA \(transposeA) alpha \(alpha) beta \(beta)")
            }
        }
    }
}

@Test func theTwoCoreSplitOfAProductGivesTheSameBits() {
    var g = Generator(seed: 5)
    let (m, n, k) = (37, 45, 19)
    let a = randomFloats(m * k, &g), b = randomFloats(k * n, &g), c = randomFloats(m * n, &g)
    for path in testedPaths {
        var whole = c, rows = c, columns = c
        nn_gemm(path.isa, 0, Int32(m), Int32(n), Int32(k), -0.5, a, Int32(k), b, Int32(n), 1, &whole, Int32(n))
        nn_parallel_gemm(path.isa, 0, 0, Int32(m), Int32(n), Int32(k), -0.5, a, Int32(k), b, Int32(n), 1, &rows, Int32(n))
        nn_parallel_gemm(path.isa, 1, 0, Int32(m), Int32(n), Int32(k), -0.5, a, Int32(k), b, Int32(n), 1, &columns, Int32(n))
        #expect(bits(rows) == bits(whole) && bits(columns) == bits(whole), "\(path)")
    }
}

// Widths below one chunk, whole chunks, and whole chunks with a last partial vector (456 = 3·128 + 72
// on AVX-512, 7·64 + 8 on AVX2), whose padded lanes are computed but never stored.
@Test(arguments: [70, 128, 135, 456])
func theSparseFirstLayerComputesTheDenseDefinition(n: Int) {
    // Zero pixels are skipped; a skipped term adds exactly nothing, so the bits are the dense product's.
    var g = Generator(seed: 9)
    let (rows, features) = (70, 50)  // more rows than a group of 64, more features than a block of 48
    let images = (0..<rows * features).map { _ in g.next(below: 4) == 0 ? UInt8(g.next(below: 256)) : 0 }
    let split = Split(count: rows, features: features, images: images, labels: [UInt8](repeating: 0, count: rows))
    let x = images.map { Workspace.pixelTable[Int($0)] }
    let w = randomFloats(features * n, &g), d = randomFloats(rows * n, &g), w0 = randomFloats(features * n, &g)
    let parameters = Parameters(widths: [features, n, 1, 1], activation: .sigmoid)
    let ws = Workspace(capacity: rows, parameters: parameters)
    for r in 0..<rows { ws.indices[r] = Int32(r) }
    ws.gather(split, rows: rows)
    let forward = definedProduct(transposeA: false, m: rows, n: n, k: features, alpha: 1, a: x, lda: features, b: w, ldb: n,
                                 beta: 0, c: [Float](repeating: 0, count: rows * n), ldc: n)
    let gradient = definedProduct(transposeA: true, m: features, n: n, k: rows, alpha: -0.01, a: x, lda: features, b: d, ldb: n,
                                  beta: 1, c: w0, ldc: n)
    for path in testedPaths {
        var z = [Float](repeating: 0, count: rows * n)
        nn_sparse_forward(path.isa, &z, Int32(rows), Int32(n), ws.rowStart, ws.columns, ws.values, w)
        #expect(bits(z) == bits(forward), "\(path) forward")
        var updated = w0
        nn_parallel_sparse_weight_gradient(path.isa, &updated, Int32(features), Int32(n), ws.columnStart, ws.rowIndex,
                                           ws.transposedValues, d, -0.01, 1)
        #expect(bits(updated) == bits(gradient), "\(path) weight gradient")
    }
}

/// A batch without one nonzero pixel (an all-zero CSV row, a blank image) still gets its first
/// layer's sums written: +0 everywhere, whatever the buffer held.
@Test(arguments: [12, 128, 200])
func aBatchOfZeroImagesGivesZeroSums(n: Int) {
    let (rows, features) = (70, 30)
    let split = Split(count: rows, features: features, images: [UInt8](repeating: 0, count: rows * features),
                      labels: [UInt8](repeating: 0, count: rows))
    let ws = Workspace(capacity: rows, parameters: Parameters(widths: [features, n, 1, 1], activation: .sigmoid))
    for r in 0..<rows { ws.indices[r] = Int32(r) }
    ws.gather(split, rows: rows)
    let w = [Float](repeating: 0.5, count: features * n)
    for path in testedPaths {
        // First a batch with a pixel, so that this thread's packed copy of W exists (without it the
        // kernel reads W in place, another path).
        var one: [Float] = [0], columns: [Int32] = [0], values: [Float] = [1], rowStart: [Int32] = [0, 1]
        nn_sparse_forward(path.isa, &one, 1, 1, rowStart, columns, values, w)
        var z = [Float](repeating: .nan, count: rows * n)
        nn_sparse_forward(path.isa, &z, Int32(rows), Int32(n), ws.rowStart, ws.columns, ws.values, w)
        #expect(z.allSatisfy { $0.bitPattern == 0 }, "\(path)")
    }
}

@Test(arguments: Activation.allCases)
func elementwiseKernelsAgreeOnEveryPath(activation: Activation) {
    var g = Generator(seed: 12)
    let (rows, cols) = (9, 77)
    let z = randomFloats(rows * cols, &g).map { $0 * 30 }, bias = randomFloats(cols, &g)
    let h = randomFloats(rows * cols, &g).map { abs($0) / 2 }, start = randomFloats(cols, &g)
    var reference: [[UInt32]]?
    for path in testedPaths {
        var s = z, pre = z, d = z, b = start, scratch = [Float](repeating: 0, count: cols)
        nn_bias_activation(path.isa, Int32(activation.code), &s, &pre, bias, Int32(rows), Int32(cols))
        nn_activation_backward(path.isa, Int32(activation.code), &d, activation == .gelu ? pre : s, pre, rows * cols)
        nn_bias_gradient(path.isa, &b, z, Int32(rows), Int32(cols), Int32(cols), -0.001, 1, &scratch)
        let result = [bits(s), bits(d), bits(b)]
        if let reference { #expect(result == reference, "\(activation) on \(path)") } else { reference = result }
    }
    _ = h
}

@Test(arguments: Optimizer.allCases)
func optimizerStepsAgreeOnEveryPath(optimizer: Optimizer) {
    var g = Generator(seed: 13)
    let sizes = [1000, 37, 5]
    let weights = sizes.map { randomFloats($0, &g) }, gradients = sizes.map { randomFloats($0, &g) }
    let first = sizes.map { randomFloats($0, &g) }, second = sizes.map { randomFloats($0, &g).map(abs) }
    var reference: [[UInt32]]?
    for path in testedPaths {
        // Fresh copies in buffers the C side may write.
        let tensors = [weights, gradients, first, second].map { group in
            group.map { values -> UnsafeMutablePointer<Float>? in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
                p.initialize(from: values, count: values.count)
                return p
            }
        }
        nn_optimizer_step(path.isa, Int32(optimizer.code), Int32(sizes.count), tensors[0], tensors[1], tensors[2], tensors[3],
                          sizes, 0.01, 0.9, 0.9, 0.999, 1e-8, 0.01, 0.1, 0.001)
        let outcome = [0, 2, 3].flatMap { group in sizes.indices.map { bits(Array(UnsafeBufferPointer(start: tensors[group][$0], count: sizes[$0]))) } }
        for group in tensors { for p in group { p?.deallocate() } }
        if let reference { #expect(outcome == reference, "\(optimizer) on \(path)") } else { reference = outcome }
    }
}

@Test func ownLogIsAccurate() {
    var x: Float = 1e-9
    while x <= 1 {
        let relative = abs(Double(nn_logf(x)) - log(Double(x))) / max(abs(log(Double(x))), 1e-30)
        #expect(relative < 1.2e-7, "log(\(x))")
        x *= 1.0137
    }
    #expect(nn_logf(1) == 0)
    #expect(nn_logf(2) == Float(log(2.0)))
}

@Test func nnregISANamesAPathOrIsRefusedInOneLine() throws {
    #expect(try KernelPath.named(nil) == KernelPath.best)
    #expect(try KernelPath.named("") == KernelPath.best)
    #expect(try KernelPath.named("reference") == .reference)
    for path in KernelPath.supported { #expect(try KernelPath.named(path.rawValue) == path) }
    for bad in ["sse9", "AVX2", "avx512-shape-on-avx2"] + (KernelPath.avx512.isSupported ? [] : ["avx512"]) {
        #expect {
            try KernelPath.named(bad)
        } throws: { error in
            guard case .unsupportedKernelPath(bad, _) = error as? TrainerError else { return false }
            let text = "\(error)"
            return !text.contains("\n") && text.contains("NNREG_ISA=\(bad)") && text.contains("reference")
        }
    }
}

@Test func theFMAPeakLoopMeasuresSomething() {
    for path in KernelPath.supported {
        #expect(nn_fma_peak(path.isa, 10_000, 0) > 1e8, "\(path)")
    }
}

@Test func ownBoxMullerMatchesLibm() {
    var g = Generator(seed: 21)
    for _ in 0..<20_000 {
        let u1 = g.nextUnitInterval(), u2 = g.nextUnitInterval()
        var z0 = 0.0, z1 = 0.0
        nn_normal_pair(u1, u2, &z0, &z1)
        let radius = (-2 * log(u1)).squareRoot()
        #expect(abs(z0 - radius * cos(2 * Double.pi * u2)) <= 1e-14 * max(radius, 1))
        #expect(abs(z1 - radius * sin(2 * Double.pi * u2)) <= 1e-14 * max(radius, 1))
    }
    var z0 = 0.0, z1 = 0.0
    nn_normal_pair(1, 0.25, &z0, &z1)
    #expect(z0 == 0 && z1 == 0)
}


/// A product with B given transposed (small, and large enough to be copied in panels) is the
/// definition's bits on every path.
@Test(arguments: [(7, 45, 13), (40, 600, 500)])
func aProductWithBTransposedIsTheDefinition(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    var g = Generator(seed: 31)
    let a = randomFloats(m * k, &g), bt = randomFloats(n * k, &g), c = randomFloats(m * n, &g)
    var b = [Float](repeating: 0, count: k * n)
    for j in 0..<n { for p in 0..<k { b[p * n + j] = bt[j * k + p] } }
    let expected = definedProduct(transposeA: false, m: m, n: n, k: k, alpha: 0.5, a: a, lda: k, b: b, ldb: n, beta: 1, c: c, ldc: n)
    for path in testedPaths {
        var out = c
        nn_gemm_bt(path.isa, Int32(m), Int32(n), Int32(k), 0.5, a, Int32(k), bt, Int32(k), 1, &out, Int32(n))
        #expect(bits(out) == bits(expected), "\(m)x\(n)x\(k) on \(path)")
    }
}
