import CKernels
import Foundation

/// Speed of each product of a training step, for `nnreg-bench train`: GFLOP/s on one core and split
/// over both, next to the CPU's measured FMA peak.
package enum KernelFigures {
    package struct Product: Sendable {
        package let name: String
        /// Floating-point operations of one call (2 per multiply-add actually done).
        package let flops: Double
        package let oneCoreSeconds: Double
        package let twoCoreSeconds: Double
    }

    /// Peak GFLOP/s of independent FMA chains on `path`, one core or both.
    package static func fmaPeak(_ path: KernelPath, twoCores: Bool) -> Double {
        _ = nn_fma_peak(path.isa, 2_000_000, twoCores ? 1 : 0)
        return (0..<5).map { _ in nn_fma_peak(path.isa, 20_000_000, twoCores ? 1 : 0) }.max()! / 1e9
    }

    /// The seed network's products at batch 256 (the first layer's two sparse ones on a real batch of
    /// `dataset`), each timed as the best of `repeats` rounds.
    package static func products(_ path: KernelPath, dataset: Dataset, repeats: Int = 30) throws -> [Product] {
        let h = Hyperparameters()
        let trainer = try Trainer(hyperparameters: h, dataset: dataset)
        trainer.kernelPath = path
        try trainer.train(until: 1, observer: nil)  // a real batch gathered, its activations and deltas made
        let ws = trainer.workspace, p = trainer.parameters
        let (rows, inputs, h1, h2, classes) = (Int32(h.batchSize), Int32(p.inputs), Int32(p.widths[1]), Int32(p.widths[2]), Int32(p.classes))
        let isa = path.isa
        let nonzeros = Double(ws.rowStart[Int(rows)])
        let scratch = Parameters(shapedLike: p)
        let (w1, b1, w2, w3) = (p.weights[0], p.biases[0], p.weights[1], p.weights[2])
        let (a1, a2) = (ws.outputs[0], ws.outputs[1])
        let (d1, d2, d3) = (ws.deltas[0], ws.deltas[1], ws.deltas[2])
        let (w2t, w3t) = (ws.transposeList[1]!, ws.transposeList[2]!)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: Int(rows) * Int(max(h1, h2)))
        defer { out.deallocate() }
        typealias Run = (_ twoCores: Bool) -> Void
        func dense(_ ta: Int32, _ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>,
                   _ ldb: Int32, splitColumns: Int32) -> Run {
            { twoCores in
                if twoCores {
                    nn_parallel_gemm(isa, splitColumns, ta, m, n, k, 1, a, lda, b, ldb, 0, out, n)
                } else {
                    nn_gemm(isa, ta, m, n, k, 1, a, lda, b, ldb, 0, out, n)
                }
            }
        }
        let cases: [(String, Double, Run)] = [
            ("forward1_sparse", 2 * nonzeros * Double(h1), { twoCores in
                if twoCores {
                    nn_parallel_sparse_forward_sigmoid(isa, out, rows, h1, ws.rowStart, ws.columns, ws.values, w1, b1)
                } else {
                    nn_sparse_forward(isa, out, rows, h1, ws.rowStart, ws.columns, ws.values, w1)
                }
            }),
            ("forward2", 2 * Double(rows * h2 * h1), dense(0, rows, h2, h1, a1, h1, w2, h2, splitColumns: 0)),
            ("forward3", 2 * Double(rows * classes * h2), dense(0, rows, classes, h2, a2, h2, w3, classes, splitColumns: 0)),
            ("dW1_sparse", 2 * nonzeros * Double(h1), { twoCores in
                if twoCores {
                    nn_parallel_sparse_weight_gradient(isa, scratch.weights[0], inputs, h1, ws.columnStart, ws.rowIndex, ws.transposedValues, d1, 1, 0)
                } else {
                    nn_sparse_weight_gradient(isa, scratch.weights[0], inputs, h1, ws.columnStart, ws.rowIndex, ws.transposedValues, d1, 1, 0)
                }
            }),
            ("dW2", 2 * Double(h1 * h2 * rows), dense(1, h1, h2, rows, a1, h1, d2, h2, splitColumns: 1)),
            ("dW3", 2 * Double(h2 * classes * rows), dense(1, h2, classes, rows, a2, h2, d3, classes, splitColumns: 0)),
            ("dH2", 2 * Double(rows * h2 * classes), dense(0, rows, h2, classes, d3, classes, w3t, h2, splitColumns: 0)),
            ("dH1", 2 * Double(rows * h1 * h2), dense(0, rows, h1, h2, d2, h2, w2t, h1, splitColumns: 0)),
        ]
        func best(_ body: () -> Void) -> Double {
            var fastest = Double.infinity
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<10 { body() }
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e10)
            }
            return fastest
        }
        return cases.map { name, flops, run in
            Product(name: name, flops: flops, oneCoreSeconds: best { run(false) }, twoCoreSeconds: best { run(true) })
        }
    }
}
