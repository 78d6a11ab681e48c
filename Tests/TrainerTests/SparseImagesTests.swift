import Testing
@testable import Trainer

/// The batch copied from the split's precomputed nonzeros must equal the batch scanned from the
/// pixels, list for list, whatever the rows (repeats, odd counts, empty images, the last pixel).
@Test(arguments: [1, 7, 64, 255])
func sparseCopyGathersTheSameBatchAsScanning(rows: Int) throws {
    let (count, features) = (300, 37)
    var g = Generator(seed: UInt64(rows))
    var images = (0..<count * features).map { _ in g.next(below: 4) == 0 ? UInt8(g.next(below: 256)) : 0 }
    for f in 0..<features { images[5 * features + f] = 0 }
    for r in 0..<count where r % 3 == 0 { images[r * features + features - 1] = 255 }
    let split = Split(count: count, features: features, images: images, labels: [UInt8](repeating: 0, count: count))
    let sparse = try #require(SparseImages(split))
    let parameters = Parameters(widths: [features, 3, 2, 2], activation: .sigmoid)
    let scanned = Workspace(capacity: rows, parameters: parameters)
    let copied = Workspace(capacity: rows, parameters: parameters)
    for r in 0..<rows {
        let i = r % 4 == 1 ? 5 : Int32(g.next(below: UInt64(count)))
        scanned.indices[r] = Int32(i); copied.indices[r] = Int32(i)
    }
    scanned.gather(split, rows: rows)
    copied.gather(split, rows: rows, sparse: sparse)
    let nonzeros = Int(scanned.rowStart[rows])
    #expect(nonzeros > 0)
    func ints(_ p: UnsafeMutablePointer<Int32>, _ n: Int) -> [Int32] { Array(UnsafeBufferPointer(start: p, count: n)) }
    func bits(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> [UInt32] { UnsafeBufferPointer(start: p, count: n).map(\.bitPattern) }
    #expect(ints(copied.rowStart, rows + 1) == ints(scanned.rowStart, rows + 1))
    #expect(ints(copied.columns, nonzeros) == ints(scanned.columns, nonzeros))
    #expect(bits(copied.values, nonzeros) == bits(scanned.values, nonzeros))
    #expect(ints(copied.columnStart, features + 1) == ints(scanned.columnStart, features + 1))
    #expect(ints(copied.rowIndex, nonzeros) == ints(scanned.rowIndex, nonzeros))
    #expect(bits(copied.transposedValues, nonzeros) == bits(scanned.transposedValues, nonzeros))
}
