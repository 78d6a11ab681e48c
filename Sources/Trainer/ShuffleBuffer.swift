/// `repeat().shuffle(bufferSize)` of tf.data over example indices: the input stream is the training
/// set in file order, repeated forever; the buffer is filled with its first `capacity` elements;
/// each output picks a uniformly random slot, emits it and refills the slot with the next input.
struct ShuffleBuffer: Equatable {
    let count: Int
    private(set) var slots: [Int32]
    /// Index of the next example of the input stream (already reduced modulo `count`).
    private(set) var cursor: Int

    init(count: Int, capacity: Int) {
        precondition(count > 0 && capacity > 0 && count <= Int(Int32.max))
        self.count = count
        slots = (0..<capacity).map { Int32($0 % count) }
        cursor = capacity % count
    }

    /// Restores a saved buffer; nil when a slot or the cursor is out of range.
    init?(count: Int, slots: [Int32], cursor: Int) {
        guard count > 0, count <= Int(Int32.max), !slots.isEmpty, cursor >= 0, cursor < count,
              slots.allSatisfy({ $0 >= 0 && Int($0) < count }) else { return nil }
        self.count = count
        self.slots = slots
        self.cursor = cursor
    }

    @inline(__always)
    mutating func next(using generator: inout Generator) -> Int32 {
        let slot = Int(generator.next(below: UInt64(slots.count)))
        let element = slots[slot]
        slots[slot] = Int32(cursor)
        cursor += 1
        if cursor == count { cursor = 0 }
        return element
    }

    /// Fills `batch` with the next outputs.
    mutating func fill(_ batch: UnsafeMutablePointer<Int32>, count n: Int, using generator: inout Generator) {
        for i in 0..<n { batch[i] = next(using: &generator) }
    }
}
