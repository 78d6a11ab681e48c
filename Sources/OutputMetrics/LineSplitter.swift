/// Cuts a stream of output bytes into lines at `\n` and `\r` (a progress bar's carriage return ends
/// a line too), across chunk boundaries. A line longer than `maxLineBytes` is dropped whole: no
/// metric line is that long, and memory stays bounded whatever a program prints.
public struct LineSplitter: Sendable {
    public static let maxLineBytes = 64 * 1024

    private var pending: [UInt8] = []
    private var isOverlong = false

    public init() {}

    /// Calls `body` with every line `chunk` completes, without its line break.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        for index in 0..<chunk.count where chunk[index] == 0x0A || chunk[index] == 0x0D {
            emit(UnsafeBufferPointer(rebasing: chunk[start..<index]), body)
            start = index + 1
        }
        append(UnsafeBufferPointer(rebasing: chunk[start...]))
    }

    /// Calls `body` with the last line if the output did not end with a line break.
    public mutating func finish(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if !pending.isEmpty, !isOverlong { pending.withUnsafeBufferPointer(body) }
        pending.removeAll()
        isOverlong = false
    }

    private mutating func emit(_ tail: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if pending.isEmpty, !isOverlong {
            if tail.count <= Self.maxLineBytes { body(tail) }
            return
        }
        append(tail)
        if !isOverlong { pending.withUnsafeBufferPointer(body) }
        pending.removeAll(keepingCapacity: true)
        isOverlong = false
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !isOverlong else { return }
        if pending.count + bytes.count > Self.maxLineBytes {
            isOverlong = true
            pending.removeAll()
        } else {
            pending.append(contentsOf: bytes)
        }
    }
}
