import CKernels

/// The weights of a network in buffers allocated once (row-major W[in][out]), or a set of tensors of
/// the same shapes (gradients, optimizer state).
final class Parameters {
    /// inputs, the hidden widths, classes.
    let widths: [Int]
    let activation: Activation
    let normalization: Normalization?
    let weights: [UnsafeMutablePointer<Float>]
    let biases: [UnsafeMutablePointer<Float>]
    /// The same, as the C kernels take them.
    let weightList: [UnsafeMutablePointer<Float>?]
    let biasList: [UnsafeMutablePointer<Float>?]
    let widthList: [Int32]

    var layerCount: Int { widths.count - 1 }
    var inputs: Int { widths[0] }
    var classes: Int { widths[widths.count - 1] }

    /// W0, b0, W1, b1, … with their sizes.
    var tensors: [(pointer: UnsafeMutablePointer<Float>, count: Int)] {
        var list: [(pointer: UnsafeMutablePointer<Float>, count: Int)] = []
        for l in 0..<layerCount {
            list.append((weights[l], widths[l] * widths[l + 1]))
            list.append((biases[l], widths[l + 1]))
        }
        return list
    }

    init(widths: [Int], activation: Activation, normalization: Normalization? = nil) {
        precondition(widths.count >= 2 && widths.count <= Int(NN_MAX_LAYERS) + 1, "parameters: \(widths.count - 1) layers")
        self.widths = widths
        self.activation = activation
        self.normalization = normalization
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        weights = (0..<(widths.count - 1)).map { make(widths[$0] * widths[$0 + 1]) }
        biases = (0..<(widths.count - 1)).map { make(widths[$0 + 1]) }
        weightList = weights
        biasList = biases
        widthList = widths.map { Int32($0) }
    }

    /// Zeroed tensors of `other`'s shapes (gradients, optimizer state).
    convenience init(shapedLike other: Parameters) {
        self.init(widths: other.widths, activation: other.activation)
    }

    convenience init(_ network: Network) {
        self.init(widths: [network.inputs] + network.layers.map(\.outputs), activation: network.activation,
                  normalization: network.normalization)
        for (tensor, values) in zip(tensors, network.tensors) {
            values.withUnsafeBufferPointer { tensor.pointer.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }

    deinit {
        for tensor in tensors { tensor.pointer.deallocate() }
    }

    var network: Network {
        let layers = (0..<layerCount).map { l in
            DenseWeights(inputs: widths[l], outputs: widths[l + 1],
                         weights: Array(UnsafeBufferPointer(start: weights[l], count: widths[l] * widths[l + 1])),
                         bias: Array(UnsafeBufferPointer(start: biases[l], count: widths[l + 1])))
        }
        return Network(layers: layers, activation: activation, normalization: normalization, checked: ())
    }

    /// Copies `other`'s values (same shapes).
    func copy(from other: Parameters) {
        for (target, source) in zip(tensors, other.tensors) { target.pointer.update(from: source.pointer, count: target.count) }
    }

    /// Forward pass over the first `rows` gathered rows (`nn_net_forward`): leaves each layer's
    /// activations in the workspace, probabilities in its last layer, and (when `withDelta`)
    /// dLoss/dlogits and the transposes the backward pass needs. Returns the summed clipped
    /// cross-entropy and the number of correct argmaxes.
    /// `transposes`: also make Wᵀ for a backward pass that updates these weights in place (SGD).
    func forward(_ ws: Workspace, rows: Int, withDelta: Bool, transposes: Bool = true) -> (loss: Double, correct: Int) {
        precondition(rows <= ws.capacity && ws.widths == widths, "forward: \(rows) rows of \(ws.widths) into \(ws.capacity) x \(widths)")
        var correct: Int32 = 0
        let loss = nn_net_forward(ws.path.isa, Int32(layerCount), widthList, Int32(activation.code), Int32(rows), ws.rowStart,
                                  ws.columns, ws.values, weightList, biasList, ws.outputList, ws.preList, ws.labels,
                                  withDelta ? ws.deltas[layerCount - 1] : nil, ws.rowLosses, &correct,
                                  withDelta && transposes ? ws.transposeList : nil)
        ws.holdsTransposes = withDelta && transposes
        return (loss, Int(correct))
    }

    /// Backward pass after `forward(withDelta: true)`: for every tensor T of `target`,
    /// T = beta * T + alpha * dLoss/dT. With target === self, alpha = -lr and beta = 1 this is the SGD
    /// update; the input gradients then come from the transposes the forward pass made (it must have
    /// made them), so they see the weights before this update. Into another target they read the
    /// weights themselves, transposed.
    func backward(_ ws: Workspace, rows: Int, into target: Parameters, alpha: Float, beta: Float) {
        precondition(target !== self || ws.holdsTransposes, "backward into the weights needs the transposes forward(transposes: true) makes")
        nn_net_backward(ws.path.isa, Int32(layerCount), widthList, Int32(activation.code), Int32(rows), ws.outputList,
                        ws.preList, ws.deltaList, weightList, target === self ? ws.transposeList : nil, ws.columnStart,
                        ws.rowIndex, ws.transposedValues,
                        target.weightList, target.biasList, alpha, beta, ws.columnSums)
    }
}

/// Activation and gradient buffers for up to `capacity` rows, allocated once per run.
final class Workspace {
    let capacity: Int, widths: [Int]
    var inputs: Int { widths[0] }
    /// The batch's features as sparse rows (CSR) and sparse columns (CSC); MNIST is about 80% zeros,
    /// so the first layer's two products run on the nonzeros only.
    let rowStart: UnsafeMutablePointer<Int32>, columns: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>
    let gatherScratch: UnsafeMutablePointer<Int32>
    let columnStart: UnsafeMutablePointer<Int32>, rowIndex: UnsafeMutablePointer<Int32>, transposedValues: UnsafeMutablePointer<Float>
    /// Each layer's outputs (the last: probabilities), GELU's pre-activations, the deltas.
    let outputs: [UnsafeMutablePointer<Float>]
    let deltas: [UnsafeMutablePointer<Float>]
    let outputList: [UnsafeMutablePointer<Float>?], preList: [UnsafeMutablePointer<Float>?]?
    let deltaList: [UnsafeMutablePointer<Float>?], transposeList: [UnsafeMutablePointer<Float>?]
    let columnSums: UnsafeMutablePointer<Float>
    /// Whether the last forward pass made Wᵀ of every layer after the first (for an in-place update).
    var holdsTransposes = false
    /// Whether backward passes run on this workspace; without them a gather makes no transposed lists.
    let holdsGradients: Bool
    /// The probabilities of the last forward pass (rows x classes).
    var p: UnsafeMutablePointer<Float> { outputs[outputs.count - 1] }
    /// The kernels this workspace's passes run (the same bits on every path).
    var path: KernelPath
    let labels: UnsafeMutablePointer<UInt8>
    /// Each row's loss, added in row order after the rows are computed on both cores.
    let rowLosses: UnsafeMutablePointer<Double>
    let indices: UnsafeMutablePointer<Int32>
    private let floatBuffers: [UnsafeMutablePointer<Float>]
    private let intBuffers: [UnsafeMutablePointer<Int32>]
    /// Exact `Float(i) / 255` for every byte value.
    static let pixelTable: [Float] = (0..<256).map { Float($0) / 255 }

    init(capacity: Int, parameters p: Parameters, withGradients: Bool = true, path: KernelPath = .configured) {
        self.path = path
        self.capacity = capacity
        widths = p.widths
        holdsGradients = withGradients
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let b = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            b.initialize(repeating: 0, count: max(n, 1))
            return b
        }
        func makeInts(_ n: Int) -> UnsafeMutablePointer<Int32> {
            let b = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
            b.initialize(repeating: 0, count: max(n, 1))
            return b
        }
        let inputs = p.inputs, layers = p.layerCount
        rowStart = makeInts(capacity + 1); columns = makeInts(capacity * inputs); values = make(capacity * inputs)
        columnStart = makeInts(inputs + 1); rowIndex = makeInts(capacity * inputs); transposedValues = make(capacity * inputs)
        gatherScratch = makeInts(max(capacity + 1 + inputs, 3 * inputs))
        intBuffers = [rowStart, columns, columnStart, rowIndex, gatherScratch]
        outputs = (1...layers).map { make(capacity * p.widths[$0]) }
        let pres = p.activation == .gelu ? (1..<max(layers, 1)).map { make(capacity * p.widths[$0]) } : []
        deltas = withGradients ? (1...layers).map { make(capacity * p.widths[$0]) } : [make(1)]
        let transposes = withGradients ? (0..<layers).map { $0 == 0 ? make(1) : make(p.widths[$0] * p.widths[$0 + 1]) } : [make(1)]
        outputList = outputs
        preList = p.activation == .gelu ? pres + [nil] : nil
        deltaList = deltas
        transposeList = transposes
        columnSums = make(p.widths.dropFirst().reduce(0, +))
        floatBuffers = [values, transposedValues, columnSums] + outputs + pres + deltas + transposes
        labels = .allocate(capacity: capacity)
        labels.initialize(repeating: 0, count: capacity)
        indices = .allocate(capacity: capacity)
        rowLosses = .allocate(capacity: capacity)
        rowLosses.initialize(repeating: 0, count: capacity)
        indices.initialize(repeating: 0, count: capacity)
    }

    deinit {
        for b in floatBuffers { b.deallocate() }
        for b in intBuffers { b.deallocate() }
        labels.deallocate()
        indices.deallocate()
        rowLosses.deallocate()
    }

    /// Loads the examples at `indices[0..<rows]` of `split` (features and labels), from `sparse` (the
    /// same split's nonzeros) when given, or from its rows: the same values either way.
    /// The transposed lists (for the weight gradient) are made only when the workspace holds gradients.
    func gather(_ split: Split, rows: Int, sparse: SparseImages? = nil) {
        precondition(split.features == inputs, "gather: split has \(split.features) features, network \(inputs)")
        precondition(sparse.map { $0.count == split.count && $0.features == split.features } ?? true, "gather: sparse copy of another split")
        if let sparse {
            Self.pixelTable.withUnsafeBufferPointer { table in
                _ = nn_parallel_index_gather(sparse.rowStart, sparse.columns, sparse.bytes, table.baseAddress!, sparse.values, indices,
                                             Int32(rows), Int32(inputs), rowStart, columns, values, columnStart,
                                             holdsGradients ? rowIndex : nil, transposedValues, gatherScratch)
            }
        } else {
            switch split.values {
            case .bytes(let images):
                images.withUnsafeBufferPointer { images in
                    Self.pixelTable.withUnsafeBufferPointer { table in
                        _ = nn_parallel_sparse_gather(images.baseAddress!, indices, Int32(rows), Int32(inputs), table.baseAddress!,
                                                      rowStart, columns, values, columnStart, holdsGradients ? rowIndex : nil,
                                                      transposedValues, gatherScratch)
                    }
                }
            case .floats(let floats):
                floats.withUnsafeBufferPointer { floats in
                    _ = nn_parallel_sparse_gather_floats(floats.baseAddress!, indices, Int32(rows), Int32(inputs),
                                                         rowStart, columns, values, columnStart, holdsGradients ? rowIndex : nil,
                                                         transposedValues, gatherScratch)
                }
            }
        }
        split.labels.withUnsafeBufferPointer { labelBytes in
            nn_gather_labels(labels, labelBytes.baseAddress!, indices, Int32(rows))
        }
    }
}
