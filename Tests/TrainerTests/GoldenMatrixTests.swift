import Foundation
import Testing
import CKernels
@testable import Trainer

/// One cell of the golden matrix: an activation, an optimizer and a depth (plus, for some cells, a
/// schedule, a validation split, standardized inputs or the mean loss), trained 12 steps on small
/// synthetic data on every kernel path, whose weights must hash to the pinned value.
struct MatrixCell: CustomTestStringConvertible, Sendable {
    let activation: Activation
    let optimizer: Optimizer
    let hidden: [Int]
    var variant = ""

    var name: String { "\(activation.rawValue) \(optimizer.rawValue) [\(hidden.map(String.init).joined(separator: ","))]\(variant.isEmpty ? "" : " " + variant)" }
    var testDescription: String { name }

    var hyperparameters: Hyperparameters {
        var h = Hyperparameters()
        (h.seed, h.hidden, h.batchSize, h.shuffleBufferSize, h.displayStep, h.steps) = (5, hidden, 16, 60, 4, 12)
        h.activation = activation
        h.optimizer = optimizer
        h.learningRate = optimizer == .adam || optimizer == .adamw ? 0.003 : 0.02
        h.initialization = activation == .relu || activation == .gelu ? .he : .glorot
        h.weightDecay = optimizer == .sgd ? 0 : 0.01
        switch variant {
        case "cosine+warmup": (h.schedule, h.warmup) = (.cosine, 3)
        case "step+mean": (h.schedule, h.loss) = (.step(every: 5, gamma: 0.5), .mean)
        case "validation+normalize": (h.validation, h.normalize) = (40, true)
        default: break
        }
        return h
    }
}

private let matrix: [MatrixCell] =
    Activation.allCases.flatMap { activation in
        Optimizer.allCases.flatMap { optimizer in [[], [12], [16, 8, 12]].map { MatrixCell(activation: activation, optimizer: optimizer, hidden: $0) } }
    } + [
        MatrixCell(activation: .relu, optimizer: .adamw, hidden: [20, 10], variant: "cosine+warmup"),
        MatrixCell(activation: .tanh, optimizer: .nesterov, hidden: [20, 10], variant: "step+mean"),
        MatrixCell(activation: .gelu, optimizer: .adam, hidden: [20, 10], variant: "validation+normalize"),
    ]

private let matrixData = SyntheticDataset.make(trainCount: 300, testCount: 40, seed: 21)

/// The pinned SHA-256 of each cell's weights after 12 steps (set `NNREG_PRINT_GOLDENS=1` to print them).
private let pinned: [String: String] = [
    "gelu adam [12]": "bf3b9f91e44223e399628cfd68bcfecca4dd14a275a735de79263b78e0dde35d",
    "gelu adam [16,8,12]": "e6803c6534ff5de1cd77ccf9f682f265f5273ff871319fc8ac08753aed620dc1",
    "gelu adam [20,10] validation+normalize": "1d9a93b9a7a442c24c83080deb068c6fbfaf5b1f90272a05da6b020906347ed8",
    "gelu adam []": "4a4e08bb17bdd0756239ed5f5a372120e710ae71d3b8e5bac3fac3e8e5594ee4",
    "gelu adamw [12]": "4165cd395144031eaf3c3bd0458b4ba5a5ff570b66b8388bb64cefbc3a9c41b0",
    "gelu adamw [16,8,12]": "4b0d76bbc18d1809080704c6f0536401fa7ac438649226a597f2fbd97e6db5f7",
    "gelu adamw []": "be8e976bf038e3341c2cccf8f992a5d45d479a4b4d51fce81e84380c1c3879fa",
    "gelu momentum [12]": "878d2ee3da34056ae4b79b787dc9ce0c86d91046a8fd27d6d5041c72539380a2",
    "gelu momentum [16,8,12]": "6fe7b5b839be84bcf41b3fa2e0dc3bb9f8fcde69adf9ef054da7f6c84184e840",
    "gelu momentum []": "7dca396a294fb41a753cb77b6104edc1cc321b5fdd4b4aa279454b40667f353f",
    "gelu nesterov [12]": "c0e06dd04f863cefcf859a95fcec9e1b6a00fccf968a06ba4ca900238ad77711",
    "gelu nesterov [16,8,12]": "79d5f020a937d47ea0ccce70913bcdb01d590cfe3483c148b99c239c04a43392",
    "gelu nesterov []": "767f6e1c1463e1d2b7c006403efb58792839e99cff8ab98dc778a0ca04bb018b",
    "gelu sgd [12]": "4283ec8198decf07daaa4d26aa4ae124f377c4237ea96ae87c5dcddf6a9bb917",
    "gelu sgd [16,8,12]": "5224d8de4ab5461f264a38c1ebdd3e92d2901cbe9d67ecb9caab78baff7f568e",
    "gelu sgd []": "e2325ad869716084991ed30435430e96fc1960bd9b0f195be1f6917a301c9dfd",
    "relu adam [12]": "b5dde2e01802212f7489ed725d95dcffe12a33bf94251ccd189050d9bc90789c",
    "relu adam [16,8,12]": "198c66fa951ddfa4a816ac13c032207430b56943d217d39c482c30f6f0e5eb56",
    "relu adam []": "3bafd6a8b080a180e601a82af83669caca5b6b6e09d180d8041c29ac97d2d9c4",
    "relu adamw [12]": "038f3f269c6835a4d6cac8dfab37b6a587c2fc6e0dec9e04c4dc48238d36c42c",
    "relu adamw [16,8,12]": "e6517f677dd93918dafcf36447e41fe411bc6762098f25b390cde3a29d9f627e",
    "relu adamw [20,10] cosine+warmup": "2c2edfb86dba332db10e059cfd57174a3c8965fdabdd92696d657cef3696932a",
    "relu adamw []": "672aed8f2993ab23f4c33c32765db21586f0a599e280a555fd68febc6b1e7c30",
    "relu momentum [12]": "639f32a4e824f5d5ab5f78e6ae69591224d490e04b8c78750c7460a4cf238e69",
    "relu momentum [16,8,12]": "7fa6b93bbd6a80fd53a30403461408e4e27df1f035058a64fb020cbbaba6b180",
    "relu momentum []": "56f4044d885e69e271846d34e36dd42704b151fca54a836e7ec80cb5c39cc79f",
    "relu nesterov [12]": "e1d5527e9b004e0746e922d363b090ca6c716de29778e0ab73ec2f27daa4cdf5",
    "relu nesterov [16,8,12]": "4c9a5bb597efde28af63f5649b3d688f94371e08c64d7b2892c6ae267c917122",
    "relu nesterov []": "76bd0a8aee5ed813bd587230117649d9822477c828108cbebb9baf56ec505755",
    "relu sgd [12]": "e19b21f5f14d8755368db7d220949098e10a6d7fe95061aa95be34a0af21ee7c",
    "relu sgd [16,8,12]": "c2d25241de2d4100f079b7d725e96d114c7b0e6f1deb57a29dfec032132f3ade",
    "relu sgd []": "6c21de8f2a617df2dfcd4552b130185667db4a94a05cd4940bf1cc99caedea67",
    "sigmoid adam [12]": "61995287047c320f89b3b3b932858cc1a194ca4f37fe3fd1fecb0789f1558a7c",
    "sigmoid adam [16,8,12]": "d4150ed77fd4da1cd2d19093acb75617425a0d68e42ca1b76adcf9f7daa05d48",
    "sigmoid adam []": "e328e707cc36d42cefd2302e08bc3eea0a9ede30a20ef73b20a8c58ad80589ee",
    "sigmoid adamw [12]": "fa6b684bbc3a5e52f755a8960ca8f5a114f16199953ffbe39b000f7839e4ea60",
    "sigmoid adamw [16,8,12]": "c947dd0a83f6517722707e08ead2d134d871fad59d30f3d5bdce667820d7d4aa",
    "sigmoid adamw []": "2f769b294acae79b9b14420a031aee97af379dbc948c8d10fd46fe538ccd2bf5",
    "sigmoid momentum [12]": "139a908cf6343f9772fd19d990f24b3ef190d285e1b895a3611560065475e5ae",
    "sigmoid momentum [16,8,12]": "63a696f4e0ce32997e657a7d913a1bfb41483c37a0e6edfb53cb4abc75242986",
    "sigmoid momentum []": "fd02aff12aed907ac85043ae51ca99b4802ddb032b00a58615a4b2d4cd5c3b12",
    "sigmoid nesterov [12]": "1ec57d7fd2d55e234f93ff36a2b1bdc82d0c360c8f422d7cb76c661ea3597ab0",
    "sigmoid nesterov [16,8,12]": "ef2e95819122e51dedc458fe8302be0a6f74a8263630e8fd3deb3bfb62513587",
    "sigmoid nesterov []": "4e917bc79189eb9b8fce58899d9ca05312dd5f31badbd234e5db13f814880285",
    "sigmoid sgd [12]": "fa98ba77e4f682dd849ea166505cae207d951408fc2bdf63d64401db37504e10",
    "sigmoid sgd [16,8,12]": "ba15b247101f3fc4e745bae8915c4823c77a08899a4a47f794b609f67c17edcb",
    "sigmoid sgd []": "4a35a7ab4f4ef4b1bdc4f2a61cbdaccd3fc091c8bc32e0aee24bc4d12004d7d4",
    "tanh adam [12]": "51700ee996c17b0bdced53f1971463bd808607be99c04629ff6f470faa283b4f",
    "tanh adam [16,8,12]": "0413fff85c917051fc34eb2d293bca2dc089bf0eec5b09f4b7b238726b20d75c",
    "tanh adam []": "c1906a06bef0dd0132f0b4da425440aaae7048c150e79901cb95ad2bc3b9865d",
    "tanh adamw [12]": "113289ae8542d9139488bb2e299a53b99214dcea945ec38489959292038a9609",
    "tanh adamw [16,8,12]": "e97349593bf6bbf493052203271f36151333de444184aa05d842ec0cd391b1b9",
    "tanh adamw []": "d42792ecf17793af80047aa920c067cdd0fcc3beda96baa3ec9214dd620e0ab6",
    "tanh momentum [12]": "8b53d5668d05b328171c6a65eac54eddc43e867e2cea729af4ac1ae9f180d2ba",
    "tanh momentum [16,8,12]": "86d7a6f9e67accb092f1b535e38142437db6b4fd03906c44cb8747ec171a1213",
    "tanh momentum []": "e246dd98f568ac5239a7180445ed6a78414f8621dd710b3b74aabd7003b84574",
    "tanh nesterov [12]": "e08a155d816cc7e40258b327cc0a389b91c23d3e1f52763d9c5f76e66f98cf80",
    "tanh nesterov [16,8,12]": "b1c0aeac6c434c808e781dd58570885a55908b447f55b77199b1e25f6589b4fb",
    "tanh nesterov [20,10] step+mean": "531cfde7663f0bf414f15f28ccd3da157141c200d20f5d521184a2604454aaee",
    "tanh nesterov []": "e68bbbcc233a8fe84333bd8c67d6cfcf52cdc10a8150012d33b7cbffd34586b7",
    "tanh sgd [12]": "2dd5fd9c86b394b63a20c2ff378902d82c3cbf63e4ecb3ac4d3b5bb2026f0f26",
    "tanh sgd [16,8,12]": "ada99f50cb1290203fbb082dbf75946eb0012685ce1176b465a4db8defb7c7f8",
    "tanh sgd []": "9fcee161e92c7a667eefb2f506e458f4f06df1818fdcca1b6c1e568d3ff3602c",
]

@Test(arguments: matrix)
func theGoldenMatrixGivesThePinnedBitsOnEveryPath(_ cell: MatrixCell) throws {
    var hashes: [String] = []
    for path in testedPaths {
        let trainer = try Trainer(hyperparameters: cell.hyperparameters, dataset: matrixData)
        trainer.kernelPath = path
        try trainer.train(until: 12, observer: nil)
        #expect(trainer.network.isFinite, "\(cell.name) on \(path)")
        hashes.append(Trainer.sha256Hex(trainer.network.serialized()))
    }
    if ProcessInfo.processInfo.environment["NNREG_PRINT_GOLDENS"] != nil { print("GOLDEN \"\(cell.name)\": \"\(hashes[0])\",") }
    #expect(Set(hashes).count == 1, "\(cell.name): the paths \(testedPaths) disagree")
    #expect(hashes.first == pinned[cell.name], "\(cell.name)")
}

/// Stopping anywhere and restoring the state continues every optimizer (with its moments) exactly.
@Test(arguments: Optimizer.allCases)
func resumeIsBitExactForEveryOptimizer(_ optimizer: Optimizer) throws {
    var cell = MatrixCell(activation: .gelu, optimizer: optimizer, hidden: [16, 8])
    cell.variant = "cosine+warmup"
    let h = cell.hyperparameters
    let straight = try Trainer(hyperparameters: h, dataset: matrixData)
    try straight.train(until: 12, observer: nil)
    for stop in [1, 5, 11] {
        let first = try Trainer(hyperparameters: h, dataset: matrixData)
        try first.train(until: stop, observer: nil)
        let restored = try Trainer(restoring: first.serializedState(), weights: first.network.serialized(), dataset: matrixData)
        try restored.train(until: 12, observer: nil)
        #expect(restored.network == straight.network, "\(optimizer) stopped at \(stop)")
        #expect(restored.serializedState() == straight.serializedState(), "\(optimizer) stopped at \(stop)")
    }
}

/// A fork may change the learning rate or schedule of a restored state, and nothing else.
@Test func aRestoredStateTakesANewLearningRateButNotANewNetwork() throws {
    let h = MatrixCell(activation: .relu, optimizer: .adam, hidden: [12]).hyperparameters
    let first = try Trainer(hyperparameters: h, dataset: matrixData)
    try first.train(until: 4, observer: nil)
    let (state, weights) = (first.serializedState(), first.network.serialized())
    let forked = try Trainer(restoring: state, weights: weights, dataset: matrixData) { $0.learningRate = 0.0001; $0.schedule = .cosine }
    #expect(forked.hyperparameters.learningRate == 0.0001 && forked.hyperparameters.schedule == .cosine && forked.step == 4)
    #expect(throws: TrainerError.self) { try Trainer(restoring: state, weights: weights, dataset: matrixData) { $0.hidden = [13] } }
    #expect(throws: TrainerError.self) { try Trainer(restoring: state, weights: weights, dataset: matrixData) { $0.optimizer = .sgd } }
}

@Test func theValidationSplitIsHeldOutAndReported() throws {
    var h = MatrixCell(activation: .relu, optimizer: .adam, hidden: [12]).hyperparameters
    h.validation = 50
    let trainer = try Trainer(hyperparameters: h, dataset: matrixData)
    #expect(trainer.training.count == 250 && trainer.validation?.count == 50)
    // The same examples every time for a seed, none of them trained on.
    let again = try Trainer(hyperparameters: h, dataset: matrixData)
    #expect(again.validation?.labels == trainer.validation?.labels && again.validation?.images == trainer.validation?.images)
    let observer = RecordingObserver()
    try trainer.train(until: 12, observer: observer)
    #expect(observer.reports.count == 3 && observer.reports.allSatisfy { $0.validation?.count == 50 })
    // Holding out changes nothing else: without it the run has no validation figures.
    h.validation = 0
    let plain = try Trainer(hyperparameters: h, dataset: matrixData)
    let plainObserver = RecordingObserver()
    try plain.train(until: 4, observer: plainObserver)
    #expect(plainObserver.reports.allSatisfy { $0.validation == nil })
}

@Test func schedulesGiveTheirLearningRates() {
    var h = Hyperparameters()
    (h.learningRate, h.steps) = (0.1, 100)
    #expect(h.learningRate(atStep: 1) == 0.1 && h.learningRate(atStep: 100) == 0.1)
    h.schedule = .step(every: 10, gamma: 0.5)
    #expect(h.learningRate(atStep: 10) == 0.1 && h.learningRate(atStep: 11) == 0.05 && h.learningRate(atStep: 31) == Float(0.1 * 0.125))
    h.schedule = .cosine
    #expect(h.learningRate(atStep: 1) == 0.1 && abs(h.learningRate(atStep: 51) - 0.05) < 1e-7 && h.learningRate(atStep: 101) < 1e-9)
    h.warmup = 10
    #expect(h.learningRate(atStep: 1) == Float(0.01) && h.learningRate(atStep: 10) == 0.1 && h.learningRate(atStep: 11) == 0.1)
    #expect(abs(nn_cos_turns(0.125) - 0.5.squareRoot()) < 1e-15 && nn_cos_turns(0.5) == -1)
}

@Test func theOwnTanhIsAccurate() {
    var x: Float = -12
    while x <= 12 {
        #expect(abs(Double(nn_tanhf(x)) - tanh(Double(x))) < 2e-7, "tanh(\(x))")
        x += 0.0137
    }
}
