import CKernels
import Foundation
import Testing
@testable import Trainer

private let synthetic = SyntheticDataset.make(trainCount: 600, testCount: 200, seed: 3)

@Test func sameSeedGivesBitIdenticalWeightsAndOtherSeedsDiffer() throws {
    let h = smallHyperparameters()
    let a = try Trainer(hyperparameters: h, dataset: synthetic)
    let b = try Trainer(hyperparameters: h, dataset: synthetic)
    try a.train(until: 30, observer: nil)
    try b.train(until: 30, observer: nil)
    #expect(a.network.serialized() == b.network.serialized())
    #expect(a.serializedState() == b.serializedState())
    let c = try Trainer(hyperparameters: smallHyperparameters(seed: 8), dataset: synthetic)
    try c.train(until: 30, observer: nil)
    #expect(c.network != a.network)
}

@Test(arguments: [(0, 13), (7, 9), (5, 1), (20, 20)])
func saveAndRestoreContinuesBitExactly(first: Int, more: Int) throws {
    let h = smallHyperparameters()
    let straight = try Trainer(hyperparameters: h, dataset: synthetic)
    let straightObserver = RecordingObserver()
    try straight.train(until: first + more, observer: straightObserver)

    let part = try Trainer(hyperparameters: h, dataset: synthetic)
    let observer = RecordingObserver()
    try part.train(until: first, observer: observer)
    let state = part.serializedState()
    let resumed = try Trainer(restoring: state, weights: part.network.serialized(), dataset: synthetic)
    #expect(resumed.step == first)
    #expect(resumed.hyperparameters == h)
    #expect(resumed.serializedState() == state)
    try resumed.train(until: first + more, observer: observer)
    #expect(resumed.network.serialized() == straight.network.serialized())
    #expect(resumed.serializedState() == straight.serializedState())
    #expect(observer.reports == straightObserver.reports)
}

@Test func observerReportsDisplayStepsAndCanStop() throws {
    var h = smallHyperparameters()
    h.displayStep = 4
    let trainer = try Trainer(hyperparameters: h, dataset: synthetic)
    let observer = RecordingObserver()
    observer.stopAt = 10
    try trainer.train(until: 40, observer: observer)
    #expect(trainer.step == 10)
    #expect(observer.finished == Array(1...10))
    #expect(observer.reports.map(\.step) == [4, 8])
    #expect(observer.reports.allSatisfy { $0.loss.isFinite && $0.accuracy >= 0 && $0.accuracy <= 1 })
}

@Test func syntheticDataIsLearnable() throws {
    var h = smallHyperparameters()
    (h.learningRate, h.hidden, h.batchSize, h.displayStep) = (0.03, [128, 256], 64, 50)
    let trainer = try Trainer(hyperparameters: h, dataset: synthetic)
    let observer = RecordingObserver()
    try trainer.train(until: 300, observer: observer)
    #expect(observer.reports.last!.loss < observer.reports.first!.loss)
    let evaluation = trainer.network.evaluate(synthetic.test)
    #expect(evaluation.accuracy > 0.9)
    #expect(evaluation.confusion.flatMap { $0 }.reduce(0, +) == synthetic.test.count)
    #expect(evaluation == trainer.network.evaluate(synthetic.test))
    let predictions = trainer.network.predict(synthetic.test, indices: [3, 0, 199])
    #expect(predictions.map(\.index) == [3, 0, 199])
    #expect(predictions.allSatisfy { abs($0.probabilities.reduce(0, +) - 1) < 1e-4 && $0.probability == $0.probabilities.max() })
}

@Test func divergingTrainingThrowsNonFiniteLoss() throws {
    var h = smallHyperparameters()
    h.learningRate = .greatestFiniteMagnitude
    let trainer = try Trainer(hyperparameters: h, dataset: synthetic)
    #expect {
        try trainer.train(until: 40, observer: nil)
    } throws: { error in
        if case .nonFiniteLoss = error as? TrainerError { return true }
        return false
    }
}

@Test func invalidHyperparametersAreRejected() {
    func rejects(_ change: (inout Hyperparameters) -> Void, _ name: String) {
        var h = Hyperparameters()
        change(&h)
        #expect {
            try h.validate(trainingCount: 1000)
        } throws: { error in
            guard case let .invalidHyperparameter(found, _) = error as? TrainerError else { return false }
            return found == name
        }
    }
    rejects({ $0.learningRate = 0 }, "learningRate")
    rejects({ $0.learningRate = .nan }, "learningRate")
    rejects({ $0.learningRate = .infinity }, "learningRate")
    rejects({ $0.batchSize = 0 }, "batchSize")
    rejects({ $0.batchSize = 1001 }, "batchSize")
    rejects({ $0.steps = 0 }, "steps")
    rejects({ $0.displayStep = 0 }, "displayStep")
    rejects({ $0.hidden[0] = 0 }, "hidden layer 1")
    rejects({ $0.hidden[1] = -1 }, "hidden layer 2")
    rejects({ $0.hidden = Array(repeating: 8, count: 9) }, "hidden")
    rejects({ $0.validation = -1 }, "validation")
    rejects({ $0.beta2 = 1 }, "beta2")
    rejects({ $0.epsilon = 0 }, "epsilon")
    rejects({ $0.schedule = .step(every: 0, gamma: 0.5) }, "schedule")
    rejects({ $0.shuffleBufferSize = 0 }, "shuffleBufferSize")
    #expect(throws: Never.self) { try Hyperparameters().validate(trainingCount: 60_000) }
}

@Test func realMNISTLearnsInThreeHundredSteps() throws {
    guard let directory = realMNISTDirectory else { return }
    let dataset = try Dataset.load(directory: directory)
    #expect(dataset.identity.isOfficialMNIST)
    #expect(dataset.identity.name == "mnist")
    #expect(dataset.train.count == 60_000 && dataset.test.count == 10_000 && dataset.train.features == 784)
    let trainer = try Trainer(hyperparameters: Hyperparameters(), dataset: dataset)
    let observer = RecordingObserver()
    try trainer.train(until: 300, observer: observer)
    #expect(observer.reports.count == 3)
    #expect(observer.reports[0].loss > 400 && observer.reports[0].loss < 700)
    #expect(observer.reports[2].accuracy >= 0.6)
    try trainer.train(until: 600, observer: observer)
    #expect(observer.reports.last!.accuracy >= 0.8)
}

/// The seed's small shapes (one fork/join per pass), and layers of a megabyte or more, whose products
/// run split by columns in fork/joins of their own (with Adam: gradients and moments too).
@Test(arguments: [false, true])
func twoCoreAndOneCoreRunsAreBitIdentical(large: Bool) throws {
    var h = smallHyperparameters()
    if large { (h.hidden, h.activation, h.optimizer, h.learningRate) = ([512, 600, 520], .relu, .adam, 0.001) }
    let parallel = try Trainer(hyperparameters: h, dataset: synthetic)
    try parallel.train(until: 25, observer: nil)
    nn_set_parallel(0)
    defer { nn_set_parallel(1) }
    let serial = try Trainer(hyperparameters: h, dataset: synthetic)
    try serial.train(until: 25, observer: nil)
    #expect(parallel.serializedState() == serial.serializedState())
    #expect(parallel.network.evaluate(synthetic.test) == serial.network.evaluate(synthetic.test))
}
