import Foundation
import Trainer

/// Issue 12's per-kernel figures on every kernel path this CPU runs: the FMA peak of the path (a
/// measured loop of independent FMA chains) on one core and on both, then each product of a step at
/// batch 256 as GFLOP/s and as a fraction of that peak, on one core and split over both. The sparse
/// first-layer products count only the multiply-adds they do (one per nonzero pixel and unit).
func runKernelBenchmarks(dataset: Dataset) throws {
    for path in KernelPath.supported where path != .reference {
        let prefix = "kernel.\(path.rawValue)"
        let peak1 = KernelFigures.fmaPeak(path, twoCores: false)
        let peak2 = KernelFigures.fmaPeak(path, twoCores: true)
        report("\(prefix).fma_peak_1core", peak1, "GFLOP/s")
        report("\(prefix).fma_peak_2core", peak2, "GFLOP/s")
        var stepSeconds = 0.0
        for product in try KernelFigures.products(path, dataset: dataset) {
            let one = product.flops / product.oneCoreSeconds / 1e9, two = product.flops / product.twoCoreSeconds / 1e9
            report("\(prefix).\(product.name)_1core", one, "GFLOP/s")
            report("\(prefix).\(product.name)_1core_of_peak", one / peak1, "fraction")
            report("\(prefix).\(product.name)_2core", two, "GFLOP/s")
            report("\(prefix).\(product.name)_2core_of_peak", two / peak2, "fraction")
            stepSeconds += product.twoCoreSeconds
        }
        report("\(prefix).products_us_per_step", stepSeconds * 1e6, "µs")
    }
}
