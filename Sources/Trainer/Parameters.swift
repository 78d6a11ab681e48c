import CKernels

/// The weights of the network in buffers allocated once (row-major W[in][out]).
final class Parameters {
    let inputs: Int, hidden1: Int, hidden2: Int, classes: Int
    let w1: UnsafeMutablePointer<Float>, b1: UnsafeMutablePointer<Float>
    let w2: UnsafeMutablePointer<Float>, b2: UnsafeMutablePointer<Float>
    let w3: UnsafeMutablePointer<Float>, b3: UnsafeMutablePointer<Float>

    var tensors: [(pointer: UnsafeMutablePointer<Float>, count: Int)] {
        [(w1, inputs * hidden1), (b1, hidden1), (w2, hidden1 * hidden2), (b2, hidden2), (w3, hidden2 * classes), (b3, classes)]
    }

    init(inputs: Int, hidden1: Int, hidden2: Int, classes: Int) {
        self.inputs = inputs
        self.hidden1 = hidden1
        self.hidden2 = hidden2
        self.classes = classes
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        w1 = make(inputs * hidden1); b1 = make(hidden1)
        w2 = make(hidden1 * hidden2); b2 = make(hidden2)
        w3 = make(hidden2 * classes); b3 = make(classes)
    }

    convenience init(_ network: Network) {
        self.init(inputs: network.inputs, hidden1: network.hidden1, hidden2: network.hidden2, classes: network.classes)
        for (tensor, values) in zip(tensors, network.tensors) {
            values.withUnsafeBufferPointer { tensor.pointer.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }

    deinit {
        for tensor in tensors { tensor.pointer.deallocate() }
    }

    var network: Network {
        let t = tensors.map { Array(UnsafeBufferPointer(start: $0.pointer, count: $0.count)) }
        return Network(inputs: inputs, hidden1: hidden1, hidden2: hidden2, classes: classes,
                       w1: t[0], b1: t[1], w2: t[2], b2: t[3], w3: t[4], b3: t[5])
    }

    /// Forward pass over the first `rows` gathered rows. Reads the batch from the workspace's sparse pixels; leaves sigmoid activations in h1/h2,
    /// probabilities in p, and (when `withDelta`) dLoss/dlogits in d3. Returns the summed clipped
    /// cross-entropy and the number of correct argmaxes.
    func forward(_ ws: Workspace, rows: Int, withDelta: Bool) -> (loss: Double, correct: Int) {
        precondition(rows <= ws.capacity && ws.inputs == inputs, "forward: \(rows) rows of \(ws.inputs) into \(ws.capacity) x \(inputs)")
        var correct: Int32 = 0
        // With the deltas, W2ᵀ and W3ᵀ are made alongside for the backward pass's input gradients.
        let loss = nn_parallel_forward(ws.path.isa, Int32(rows), Int32(hidden1), Int32(hidden2), Int32(classes), ws.rowStart, ws.columns,
                                       ws.values, w1, b1, ws.h1, w2, b2, ws.h2, w3, b3, ws.p, ws.labels, withDelta ? ws.d3 : nil,
                                       ws.rowLosses, &correct, withDelta ? ws.w2t : nil, withDelta ? ws.w3t : nil)
        return (loss, Int(correct))
    }

    /// Backward pass after `forward(withDelta: true)`: for every tensor T of `target`,
    /// T = beta * T + alpha * dLoss/dT. With target === self, alpha = -lr and beta = 1 this is the SGD
    /// update; the input gradients come from the transposes of W3 and W2 the forward pass made, so
    /// they see the weights before this update.
    func backward(_ ws: Workspace, rows: Int, into target: Parameters, alpha: Float, beta: Float) {
        nn_parallel_backward(ws.path.isa, Int32(rows), Int32(inputs), Int32(hidden1), Int32(hidden2), Int32(classes), ws.h1, ws.h2,
                             ws.d1, ws.d2, ws.d3, ws.w2t, ws.w3t, ws.columnStart, ws.rowIndex, ws.transposedValues,
                             target.w1, target.b1, target.w2, target.b2, target.w3, target.b3, alpha, beta, ws.columnSums)
    }
}

/// Activation and gradient buffers for up to `capacity` rows, allocated once per run.
final class Workspace {
    let capacity: Int, inputs: Int
    /// The batch's pixels as sparse rows (CSR) and sparse columns (CSC); MNIST is about 80% zeros,
    /// so the first layer's two products run on the nonzeros only.
    let rowStart: UnsafeMutablePointer<Int32>, columns: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>
    let gatherScratch: UnsafeMutablePointer<Int32>
    let columnStart: UnsafeMutablePointer<Int32>, rowIndex: UnsafeMutablePointer<Int32>, transposedValues: UnsafeMutablePointer<Float>
    let h1: UnsafeMutablePointer<Float>, h2: UnsafeMutablePointer<Float>, p: UnsafeMutablePointer<Float>
    let d1: UnsafeMutablePointer<Float>, d2: UnsafeMutablePointer<Float>, d3: UnsafeMutablePointer<Float>
    let columnSums: UnsafeMutablePointer<Float>
    /// W2ᵀ (hidden2 x hidden1) and W3ᵀ (classes x hidden2), made by the forward pass for the backward one.
    let w2t: UnsafeMutablePointer<Float>, w3t: UnsafeMutablePointer<Float>
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
        inputs = p.inputs
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let b = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            b.initialize(repeating: 0, count: max(n, 1))
            return b
        }
        let g = withGradients ? 1 : 0
        func makeInts(_ n: Int) -> UnsafeMutablePointer<Int32> {
            let b = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            b.initialize(repeating: 0, count: n)
            return b
        }
        rowStart = makeInts(capacity + 1); columns = makeInts(capacity * p.inputs); values = make(capacity * p.inputs)
        columnStart = makeInts(p.inputs + 1); rowIndex = makeInts(capacity * p.inputs); transposedValues = make(capacity * p.inputs)
        gatherScratch = makeInts(max(capacity + 1 + p.inputs, 3 * p.inputs))
        intBuffers = [rowStart, columns, columnStart, rowIndex, gatherScratch]
        h1 = make(capacity * p.hidden1); h2 = make(capacity * p.hidden2); self.p = make(capacity * p.classes)
        d1 = make(g * capacity * p.hidden1); d2 = make(g * capacity * p.hidden2); d3 = make(g * capacity * p.classes)
        columnSums = make(p.hidden1 + p.hidden2 + p.classes)
        w2t = make(g * p.hidden1 * p.hidden2); w3t = make(g * p.hidden2 * p.classes)
        floatBuffers = [values, transposedValues, h1, h2, self.p, d1, d2, d3, columnSums, w2t, w3t]
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

    /// Loads the examples at `indices[0..<rows]` of `split` as Float/255 pixels and labels, from
    /// `sparse` (the same split's nonzeros) when given: the same values either way.
    func gather(_ split: Split, rows: Int, sparse: SparseImages? = nil) {
        precondition(split.features == inputs, "gather: split has \(split.features) features, network \(inputs)")
        precondition(sparse.map { $0.count == split.count && $0.features == split.features } ?? true, "gather: sparse copy of another split")
        split.images.withUnsafeBufferPointer { images in
            split.labels.withUnsafeBufferPointer { labelBytes in
                Self.pixelTable.withUnsafeBufferPointer { table in
                    if let sparse {
                        _ = nn_parallel_index_gather(sparse.rowStart, sparse.columns, sparse.bytes, indices, Int32(rows), Int32(inputs),
                                                     table.baseAddress!, rowStart, columns, values, columnStart, rowIndex,
                                                     transposedValues, gatherScratch)
                    } else {
                        _ = nn_parallel_sparse_gather(images.baseAddress!, indices, Int32(rows), Int32(inputs), table.baseAddress!,
                                                      rowStart, columns, values, columnStart, rowIndex, transposedValues, gatherScratch)
                    }
                    nn_gather_labels(labels, labelBytes.baseAddress!, indices, Int32(rows))
                }
            }
        }
    }
}
