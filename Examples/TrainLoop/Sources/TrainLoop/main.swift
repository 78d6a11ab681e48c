import Foundation
import NNRegTracking

// Logistic regression on two Gaussian blobs, trained with SGD, recorded as an nnreg run: params,
// loss and accuracy every 10 steps, a checkpoint of the weights, the weights as an artifact.
// Usage: TrainLoop STORE.sqlite [STEPS]

struct Blobs {
    var state: UInt64 = 42
    mutating func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    mutating func normal() -> Double {
        sqrt(-2 * log(max(uniform(), 1e-300))) * cos(2 * .pi * uniform())
    }
    /// A labelled point: class 1 around (1, 1), class 0 around (-1, -1).
    mutating func sample() -> (x: [Double], y: Double) {
        let y: Double = uniform() < 0.5 ? 1 : 0
        let center = y == 1 ? 1.0 : -1.0
        return ([center + normal(), center + normal()], y)
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: TrainLoop STORE.sqlite [STEPS]\n".utf8))
    exit(64)
}
let steps = arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200
let learningRate = 0.1

do {
    let run = try TrackedRun(
        storePath: arguments[1], name: nil,
        params: ["model": .text("logistic"), "learning_rate": .real(learningRate), "steps": .int(Int64(steps))],
        tags: ["example": "TrainLoop"])
    var data = Blobs()
    var weights = [0.0, 0.0], bias = 0.0
    for step in 1...steps {
        var loss = 0.0, correct = 0
        var gradient = [0.0, 0.0], gradientBias = 0.0
        for _ in 0..<32 {
            let (x, y) = data.sample()
            let p = 1 / (1 + exp(-(weights[0] * x[0] + weights[1] * x[1] + bias)))
            loss -= y * log(max(p, 1e-12)) + (1 - y) * log(max(1 - p, 1e-12))
            if (p >= 0.5) == (y == 1) { correct += 1 }
            gradient[0] += (p - y) * x[0]
            gradient[1] += (p - y) * x[1]
            gradientBias += p - y
        }
        for index in 0..<2 { weights[index] -= learningRate * gradient[index] / 32 }
        bias -= learningRate * gradientBias / 32
        if step % 10 == 0 { run.log(["loss": loss / 32, "accuracy": Double(correct) / 32], step: step) }
    }
    let bytes = (weights + [bias]).withUnsafeBytes { Data($0) }
    try run.saveCheckpoint(step: steps, weights: bytes)
    try run.saveArtifact(name: "weights.json", data: try JSONEncoder().encode(["w": weights, "b": [bias]]))
    try run.finish()
    print("Recorded run \(run.id) \(run.name) in \(run.storePath): \(steps) steps, weights \(weights) bias \(bias)")
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
