import Foundation
import NIOCore

/// The response body: `{"predictions": [{"class": 7, "probabilities": [p0, ..., p9]}, ...]}`, each
/// probability in the shortest text that reads back as the same Float32.
enum PredictionJSON {
    static func encode(_ probabilities: [Float], classes: Int) -> ByteBuffer {
        let rows = classes == 0 ? 0 : probabilities.count / classes
        var buffer = ByteBufferAllocator().buffer(capacity: 32 + rows * (40 + classes * 14))
        buffer.writeString("{\"predictions\":[")
        for r in 0..<rows {
            let row = probabilities[(r * classes)..<((r + 1) * classes)]
            var best = row.startIndex
            for c in row.indices where row[c] > row[best] { best = c }
            buffer.writeString(r == 0 ? "{\"class\":" : ",{\"class\":")
            buffer.writeString(String(best - row.startIndex))
            buffer.writeString(",\"probabilities\":[")
            for c in row.indices {
                if c != row.startIndex { buffer.writeInteger(UInt8(ascii: ",")) }
                buffer.writeString(row[c].description)
            }
            buffer.writeString("]}")
        }
        buffer.writeString("]}")
        return buffer
    }
}
