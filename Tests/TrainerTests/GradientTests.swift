import Foundation
import Testing
@testable import Trainer

/// Loss of the seed network computed in Double, for finite differences.
private func referenceLoss(_ t: [[Double]], inputs: Int, h1: Int, h2: Int, classes: Int, x: [[Double]], labels: [Int]) -> Double {
    func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
    var loss = 0.0
    for (row, label) in zip(x, labels) {
        let a1 = (0..<h1).map { j in sigmoid((0..<inputs).reduce(t[1][j]) { $0 + row[$1] * t[0][$1 * h1 + j] }) }
        let a2 = (0..<h2).map { j in sigmoid((0..<h1).reduce(t[3][j]) { $0 + a1[$1] * t[2][$1 * h2 + j] }) }
        let z = (0..<classes).map { j in (0..<h2).reduce(t[5][j]) { $0 + a2[$1] * t[4][$1 * classes + j] } }
        let m = z.max()!
        let e = z.map { exp($0 - m) }
        let p = e[label] / e.reduce(0, +)
        loss -= log(min(max(p, 1e-9), 1))
    }
    return loss
}

private func randomNetwork(inputs: Int, h1: Int, h2: Int, classes: Int, seed: UInt64, scale: Float) -> Network {
    var g = Generator(seed: seed)
    func tensor(_ n: Int) -> [Float] { var v = [Float](repeating: 0, count: n); g.fillNormal(&v, stddev: scale); return v }
    return Network(inputs: inputs, hidden1: h1, hidden2: h2, classes: classes,
                   w1: tensor(inputs * h1), b1: tensor(h1), w2: tensor(h1 * h2), b2: tensor(h2), w3: tensor(h2 * classes), b3: tensor(classes))
}

@Test func gradientsMatchFiniteDifferencesForEveryTensor() throws {
    let (inputs, h1, h2, classes, rows) = (6, 5, 4, 3, 7)
    var g = Generator(seed: 3)
    let images = (0..<rows * inputs).map { _ in g.next(below: 3) == 0 ? UInt8(0) : UInt8(g.next(below: 256)) }
    let labels = (0..<rows).map { _ in UInt8(g.next(below: UInt64(classes))) }
    let split = Split(count: rows, features: inputs, images: images, labels: labels)
    let network = randomNetwork(inputs: inputs, h1: h1, h2: h2, classes: classes, seed: 11, scale: 0.8)

    let parameters = Parameters(network)
    let gradient = Parameters(inputs: inputs, hidden1: h1, hidden2: h2, classes: classes)
    let ws = Workspace(capacity: rows, parameters: parameters)
    for r in 0..<rows { ws.indices[r] = Int32(r) }
    ws.gather(split, rows: rows)
    _ = parameters.forward(ws, rows: rows, withDelta: true)
    parameters.backward(ws, rows: rows, into: gradient, alpha: 1, beta: 0)
    let analytic = gradient.network.tensors

    let x = (0..<rows).map { r in (0..<inputs).map { Double(Float(images[r * inputs + $0]) / 255) } }
    let y = labels.map(Int.init)
    var t = network.tensors.map { $0.map(Double.init) }
    let names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    let h = 1e-5
    for tensor in 0..<t.count {
        for i in 0..<t[tensor].count {
            let saved = t[tensor][i]
            t[tensor][i] = saved + h
            let up = referenceLoss(t, inputs: inputs, h1: h1, h2: h2, classes: classes, x: x, labels: y)
            t[tensor][i] = saved - h
            let down = referenceLoss(t, inputs: inputs, h1: h1, h2: h2, classes: classes, x: x, labels: y)
            t[tensor][i] = saved
            let numeric = (up - down) / (2 * h)
            let a = Double(analytic[tensor][i])
            #expect(abs(a - numeric) <= 1e-4 + 1e-3 * abs(numeric), "\(names[tensor])[\(i)]: analytic \(a), numeric \(numeric)")
        }
    }
}

@Test func lossOfZeroNetworkIsLnTenPerExample() {
    let split = Split(count: 4, features: 3, images: [0, 10, 255, 1, 2, 3, 200, 0, 0, 9, 9, 9], labels: [0, 3, 9, 5])
    let network = Network(inputs: 3, hidden1: 2, hidden2: 2, classes: 10, w1: .init(repeating: 0, count: 6), b1: [0, 0],
                          w2: .init(repeating: 0, count: 4), b2: [0, 0], w3: .init(repeating: 0, count: 20), b3: .init(repeating: 0, count: 10))
    let parameters = Parameters(network)
    let ws = Workspace(capacity: 4, parameters: parameters)
    for r in 0..<4 { ws.indices[r] = Int32(r) }
    ws.gather(split, rows: 4)
    let (loss, correct) = parameters.forward(ws, rows: 4, withDelta: true)
    #expect(abs(loss - 4 * log(10.0)) < 1e-5)
    #expect(correct == 1)  // ties pick class 0, right only for the first example
    // dLoss/dlogits = p - onehot = 0.1 - [label]
    #expect(abs(ws.d3[0] - (0.1 - 1)) < 1e-6 && abs(ws.d3[1] - 0.1) < 1e-6)
    let evaluation = network.evaluate(split)
    #expect(abs(evaluation.loss - log(10.0)) < 1e-5)
    #expect(evaluation.accuracy == 0.25)
}

@Test func clippedProbabilityGivesConstantLossAndNoGradient() {
    // b3 pushes class 0 to probability ~e^-100: the clip makes the loss -ln(1e-9) and the row's gradient zero.
    var b3 = [Float](repeating: 0, count: 10)
    b3[1] = 100
    let network = Network(inputs: 1, hidden1: 1, hidden2: 1, classes: 10, w1: [0], b1: [0], w2: [0], b2: [0],
                          w3: .init(repeating: 0, count: 10), b3: b3)
    let split = Split(count: 2, features: 1, images: [0, 0], labels: [0, 1])
    let parameters = Parameters(network)
    let ws = Workspace(capacity: 2, parameters: parameters)
    ws.indices[0] = 0; ws.indices[1] = 1
    ws.gather(split, rows: 2)
    let (loss, correct) = parameters.forward(ws, rows: 2, withDelta: true)
    #expect(abs(loss - (-log(Double(Float(1e-9))))) < 1e-3)
    #expect(correct == 1)
    #expect((0..<10).allSatisfy { ws.d3[$0] == 0 })
}

@Test func vectorisedExpIsAccurate() {
    for x in stride(from: Float(-80), through: 80, by: 0.37) {
        let relative = abs(Double(nn_expf_value(x)) - exp(Double(x))) / exp(Double(x))
        #expect(relative < 4e-7, "exp(\(x))")
    }
}
