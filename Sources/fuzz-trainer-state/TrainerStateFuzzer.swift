import CZlib
import Foundation
import FuzzHarness
import Trainer

// libFuzzer target for the trainer-state and weights decoders. scripts/fuzz.sh builds it with
// `-DFUZZING -sanitize=fuzzer,address`; a plain build replays the inputs in the files named on the
// command line (a corpus or a crash), and `--write-seeds DIR` writes the seed corpus.
//
// Input: byte 0 picks the decoder, the rest is its input. 0: `Trainer(restoring:weights:)` with a
// UInt16 little-endian weights length, the weights blob, then the state; 1: the same with the
// state's trailing CRC-32 recomputed, so mutations reach past the checksum; 2: `Network(serialized:)`.
// Whatever decodes must encode back to the same bytes, and a restored trainer must train one step.

/// Eight 2x2 images, so that valid states stay a few hundred bytes long.
let dataset = Dataset(
    train: Split(count: 8, features: 4, images: (0..<32).map { UInt8($0 * 8) }, labels: [0, 1, 2, 3, 4, 5, 6, 7]),
    test: Split(count: 2, features: 4, images: [UInt8](repeating: 128, count: 8), labels: [8, 9]),
    identity: DatasetIdentity(files: [:], directory: "fuzz"))

func withCRC(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    guard bytes.count >= 4 else { return Array(bytes) }
    var body = Array(bytes.dropLast(4))
    let crc = UInt32(body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
    withUnsafeBytes(of: crc.littleEndian) { body.append(contentsOf: $0) }
    return body
}

/// Returns why the input was rejected, or nil when it decoded.
func fuzzOne(_ bytes: [UInt8]) -> (any Error)? {
    guard let mode = bytes.first else { return CocoaError(.fileReadCorruptFile) }
    let payload = bytes.dropFirst()
    switch mode % 3 {
    case 0, 1:
        guard payload.count >= 2 else { return CocoaError(.fileReadCorruptFile) }
        let weightsCount = Int(payload[payload.startIndex]) | Int(payload[payload.startIndex + 1]) << 8
        let rest = payload.dropFirst(2)
        guard rest.count >= weightsCount else { return CocoaError(.fileReadCorruptFile) }
        let weights = Array(rest.prefix(weightsCount))
        let statePart = rest.dropFirst(weightsCount)
        let state = mode % 3 == 0 ? Array(statePart) : withCRC(statePart)
        let trainer: Trainer
        do { trainer = try Trainer(restoring: state, weights: weights, dataset: dataset) } catch { return error }
        // Version 3 and 4 states of this arithmetic restore (older ones are refused as another
        // arithmetic); a version-4 one encodes back to its bytes, a version-3 one is rewritten as 4.
        if state.count > 8, state[8] == 4 {
            precondition(trainer.serializedState() == state, "a restored state does not encode back to its bytes")
        } else {
            let again = trainer.serializedState()
            precondition((try? Trainer(restoring: again, weights: trainer.network.serialized(), dataset: dataset))?.serializedState() == again,
                         "a version-3 state rewritten as version 4 does not restore to the same state")
        }
        precondition(weights.isEmpty || trainer.network.serialized() == weights, "restored weights differ from the blob given")
        if trainer.step < Int.max { _ = try? trainer.train(until: trainer.step + 1, observer: nil) }
        return nil
    default:
        let network: Network
        do { network = try Network(serialized: Array(payload)) } catch { return error }
        precondition(network.serialized() == Array(payload), "decoded weights do not encode back to their bytes")
        return nil
    }
}

/// Seeds: states after three steps of small networks — the seed's shape with SGD, and deeper or
/// shallower ones with every other optimizer (their moments in the state), activation, schedule, a
/// validation split and a normalization — with and without a valid CRC, and their weights blobs.
func seeds() throws -> [(name: String, bytes: [UInt8])] {
    var base = Hyperparameters()
    base.steps = 10; base.batchSize = 2; base.displayStep = 2; base.hidden = [2, 3]; base.shuffleBufferSize = 5
    var variants: [(String, Hyperparameters)] = [("sgd", base)]
    for (index, optimizer) in Optimizer.allCases.dropFirst().enumerated() {
        var h = base
        h.optimizer = optimizer
        h.activation = Activation.allCases[(index + 1) % Activation.allCases.count]
        h.hidden = [[], [3], [2, 3, 2], [4]][index]
        h.schedule = [.cosine, .step(every: 2, gamma: 0.5), .constant, .cosine][index]
        h.warmup = index
        h.validation = index == 2 ? 2 : 0
        h.normalize = index == 3
        h.weightDecay = 0.01
        variants.append((optimizer.rawValue, h))
    }
    var seeds: [(name: String, bytes: [UInt8])] = []
    for (name, h) in variants {
        let trainer = try Trainer(hyperparameters: h, dataset: dataset)
        try trainer.train(until: 3, observer: nil)
        let state = trainer.serializedState()
        let weights = trainer.network.serialized()
        let framed = [UInt8(weights.count & 0xFF), UInt8(weights.count >> 8)] + weights + state
        seeds += [("\(name)-state", [0] + framed), ("\(name)-state-crc", [1] + framed), ("\(name)-weights", [2] + weights)]
    }
    return seeds
}

@main
enum Main {
    static func main() throws { try FuzzHarness.run(fuzzOne, seeds: seeds) }
}
