import Foundation
import Testing
@testable import Trainer

/// The activations in Double, as CKernels.h defines them.
private func activate(_ v: Double, _ activation: Activation) -> Double {
    switch activation {
    case .sigmoid: 1 / (1 + exp(-v))
    case .relu: max(v, 0)
    case .tanh: tanh(v)
    case .gelu: 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
    }
}

/// Loss of a network of `widths` computed in Double, for finite differences; t holds W1, b1, W2, ….
private func referenceLoss(_ t: [[Double]], widths: [Int], activation: Activation, x: [[Double]], labels: [Int]) -> Double {
    var loss = 0.0
    for (row, label) in zip(x, labels) {
        var a = row
        for l in 0..<(widths.count - 1) {
            let (n, w, b) = (widths[l + 1], t[2 * l], t[2 * l + 1])
            let z = (0..<n).map { j in (0..<widths[l]).reduce(b[j]) { $0 + a[$1] * w[$1 * n + j] } }
            a = l == widths.count - 2 ? z : z.map { activate($0, activation) }
        }
        let m = a.max()!
        let e = a.map { exp($0 - m) }
        let p = e[label] / e.reduce(0, +)
        loss -= log(min(max(p, 1e-9), 1))
    }
    return loss
}

private func randomNetwork(widths: [Int], activation: Activation = .sigmoid, seed: UInt64, scale: Float) -> Network {
    var g = Generator(seed: seed)
    func tensor(_ n: Int) -> [Float] { var v = [Float](repeating: 0, count: n); g.fillNormal(&v, stddev: scale); return v }
    let layers = (0..<(widths.count - 1)).map {
        DenseWeights(inputs: widths[$0], outputs: widths[$0 + 1], weights: tensor(widths[$0] * widths[$0 + 1]), bias: tensor(widths[$0 + 1]))
    }
    return try! Network(layers: layers, activation: activation)
}

@Test(arguments: [[6, 3], [6, 5, 4, 3], [6, 5, 3, 4, 3]], Activation.allCases)
func gradientsMatchFiniteDifferencesForEveryTensor(widths: [Int], activation: Activation) throws {
    let (inputs, classes, rows) = (widths[0], widths[widths.count - 1], 7)
    var g = Generator(seed: 3)
    let images = (0..<rows * inputs).map { _ in g.next(below: 3) == 0 ? UInt8(0) : UInt8(g.next(below: 256)) }
    let labels = (0..<rows).map { _ in UInt8(g.next(below: UInt64(classes))) }
    let split = Split(count: rows, features: inputs, images: images, labels: labels)
    let network = randomNetwork(widths: widths, activation: activation, seed: 11, scale: 0.8)

    let parameters = Parameters(network)
    let gradient = Parameters(shapedLike: parameters)
    let ws = Workspace(capacity: rows, parameters: parameters)
    for r in 0..<rows { ws.indices[r] = Int32(r) }
    ws.gather(split, rows: rows)
    _ = parameters.forward(ws, rows: rows, withDelta: true)
    parameters.backward(ws, rows: rows, into: gradient, alpha: 1, beta: 0)
    let analytic = gradient.network.tensors

    let x = (0..<rows).map { r in (0..<inputs).map { Double(Float(images[r * inputs + $0]) / 255) } }
    let y = labels.map(Int.init)
    var t = network.tensors.map { $0.map(Double.init) }
    let h = 1e-5
    for tensor in 0..<t.count {
        for i in 0..<t[tensor].count {
            let saved = t[tensor][i]
            t[tensor][i] = saved + h
            let up = referenceLoss(t, widths: widths, activation: activation, x: x, labels: y)
            t[tensor][i] = saved - h
            let down = referenceLoss(t, widths: widths, activation: activation, x: x, labels: y)
            t[tensor][i] = saved
            let numeric = (up - down) / (2 * h)
            let a = Double(analytic[tensor][i])
            let name = "\(tensor % 2 == 0 ? "W" : "b")\(tensor / 2 + 1)"
            #expect(abs(a - numeric) <= 2e-4 + 2e-3 * abs(numeric), "\(activation) \(widths) \(name)[\(i)]: analytic \(a), numeric \(numeric)")
        }
    }
}

@Test func lossOfZeroNetworkIsLnTenPerExample() {
    let split = Split(count: 4, features: 3, images: [0, 10, 255, 1, 2, 3, 200, 0, 0, 9, 9, 9], labels: [0, 3, 9, 5])
    let network = try! Network(layers: [
        DenseWeights(inputs: 3, outputs: 2, weights: .init(repeating: 0, count: 6), bias: [0, 0]),
        DenseWeights(inputs: 2, outputs: 2, weights: .init(repeating: 0, count: 4), bias: [0, 0]),
        DenseWeights(inputs: 2, outputs: 10, weights: .init(repeating: 0, count: 20), bias: .init(repeating: 0, count: 10))])
    let parameters = Parameters(network)
    let ws = Workspace(capacity: 4, parameters: parameters)
    for r in 0..<4 { ws.indices[r] = Int32(r) }
    ws.gather(split, rows: 4)
    let (loss, correct) = parameters.forward(ws, rows: 4, withDelta: true)
    #expect(abs(loss - 4 * log(10.0)) < 1e-5)
    #expect(correct == 1)  // ties pick class 0, right only for the first example
    // dLoss/dlogits = p - onehot = 0.1 - [label]
    #expect(abs(ws.deltas[2][0] - (0.1 - 1)) < 1e-6 && abs(ws.deltas[2][1] - 0.1) < 1e-6)
    let evaluation = network.evaluate(split)
    #expect(abs(evaluation.loss - log(10.0)) < 1e-5)
    #expect(evaluation.accuracy == 0.25)
}

@Test func clippedProbabilityGivesConstantLossAndNoGradient() {
    // b3 pushes class 0 to probability ~e^-100: the clip makes the loss -ln(1e-9) and the row's gradient zero.
    var b3 = [Float](repeating: 0, count: 10)
    b3[1] = 100
    let network = try! Network(layers: [
        DenseWeights(inputs: 1, outputs: 1, weights: [0], bias: [0]), DenseWeights(inputs: 1, outputs: 1, weights: [0], bias: [0]),
        DenseWeights(inputs: 1, outputs: 10, weights: .init(repeating: 0, count: 10), bias: b3)])
    let split = Split(count: 2, features: 1, images: [0, 0], labels: [0, 1])
    let parameters = Parameters(network)
    let ws = Workspace(capacity: 2, parameters: parameters)
    ws.indices[0] = 0; ws.indices[1] = 1
    ws.gather(split, rows: 2)
    let (loss, correct) = parameters.forward(ws, rows: 2, withDelta: true)
    #expect(abs(loss - (-log(Double(Float(1e-9))))) < 1e-3)
    #expect(correct == 1)
    #expect((0..<10).allSatisfy { ws.deltas[2][$0] == 0 })
}

@Test func vectorisedExpIsAccurate() {
    for x in stride(from: Float(-80), through: 80, by: 0.37) {
        let relative = abs(Double(nn_expf_value(x)) - exp(Double(x))) / exp(Double(x))
        #expect(relative < 4e-7, "exp(\(x))")
    }
}
