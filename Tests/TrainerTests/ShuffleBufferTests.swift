import Testing
@testable import Trainer

@Test func firstOutputsComeFromTheFirstBufferfulInFileOrder() {
    var buffer = ShuffleBuffer(count: 60_000, capacity: 5000)
    var generator = Generator(seed: 1)
    var outputs: [Int32] = []
    for _ in 0..<256 { outputs.append(buffer.next(using: &generator)) }
    #expect(outputs[0] < 5000)
    // Output i can only be an element the stream has delivered: one of the first 5000 + i.
    #expect(outputs.enumerated().allSatisfy { Int($0.element) < 5000 + $0.offset })
    #expect(Set(outputs).count == 256)
    #expect(buffer.cursor == 5256)
}

@Test func tinyBufferFollowsTfDataSemantics() {
    // Replay the same generator: pick slot = next(below: 3), emit it, refill with the next input.
    var buffer = ShuffleBuffer(count: 10, capacity: 3)
    var generator = Generator(seed: 9)
    var replay = generator
    var slots = [0, 1, 2]
    var next = 3
    for _ in 0..<50 {
        let slot = Int(replay.next(below: 3))
        let expected = slots[slot]
        slots[slot] = next % 10
        next += 1
        #expect(Int(buffer.next(using: &generator)) == expected)
    }
    #expect(buffer.slots.map(Int.init) == slots)
}

@Test func repetitionVisitsEveryExampleEqually() {
    let count = 50
    var buffer = ShuffleBuffer(count: count, capacity: 7)
    var generator = Generator(seed: 4)
    var seen = [Int](repeating: 0, count: count)
    for _ in 0..<(count * 20) { seen[Int(buffer.next(using: &generator))] += 1 }
    // The stream delivered 7 + 20 * count elements (20 or 21 of each); 7 of them are still buffered.
    #expect(seen.allSatisfy { $0 >= 19 && $0 <= 21 })
    #expect(seen.reduce(0, +) == count * 20)
}

@Test func bufferLargerThanTheDatasetHoldsRepeats() {
    let buffer = ShuffleBuffer(count: 4, capacity: 10)
    #expect(buffer.slots == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1])
    #expect(buffer.cursor == 2)
}

@Test func generatorIsSeededAndRestorable() {
    var a = Generator(seed: 5), b = Generator(seed: 5), c = Generator(seed: 6)
    #expect(a.next() == b.next())
    #expect(a.next() != c.next())
    var restored = Generator(state: a.state)!
    #expect(restored.next() == a.next())
    #expect(Generator(state: (0, 0, 0, 0)) == nil)
    var normals = [Float](repeating: 0, count: 20_000)
    a.fillNormal(&normals, stddev: 0.05)
    let mean = normals.reduce(0, +) / Float(normals.count)
    let variance = normals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(normals.count)
    #expect(abs(mean) < 0.002)
    #expect(abs(variance.squareRoot() - 0.05) < 0.002)
}
