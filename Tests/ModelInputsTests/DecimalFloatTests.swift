import Foundation
import Testing
@testable import ModelInputs

@Suite struct DecimalFloatTests {
    /// Our reading against strtof's for numbers of every kind: the same Float32 bits.
    @Test func agreesWithStrtof() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "0.0", "1", "0.5", "1e-45", "3.4028235e38", "3.4028236e38", "1e39", "1.17549435e-38",
                     "0.1", "0.003921569", "0.003921568859368563", "123456789012345678901234", "1.00000005960464477539",
                     "16777217", "0.000000000000000000000000000001", ".5", "5.", "+2", "1E5", "2.5e-3"]
        for b in 0...255 { texts.append("\(Double(b) / 255)"); texts.append("\(Float(b) / 255)") }
        for _ in 0..<20_000 {
            let value = Float(bitPattern: UInt32.random(in: 0...0x7F7F_FFFF, using: &generator))
            texts.append("\(value)")
            texts.append("\(Double(value) * (1 + Double.random(in: -1e-7...1e-7, using: &generator)))")
            texts.append(String(format: "%.9g", Double.random(in: 0...1, using: &generator)))
        }
        for text in texts {
            var bytes = Array(text.utf8)
            let ours: Float? = bytes.withUnsafeMutableBufferPointer { buffer in
                var i = 0
                let value = DecimalFloat.read(UnsafeBufferPointer(buffer), at: &i)
                return i == buffer.count ? value : nil
            }
            let theirs = strtof(text, nil)
            #expect(ours?.bitPattern == theirs.bitPattern, "\(text): \(String(describing: ours)) vs \(theirs)")
        }
    }

    @Test func refusesWhatIsNoNumber() {
        for text in ["", "-", ".", "e5", "1e", "1e+", "abc"] {
            var bytes = Array(text.utf8)
            let value: Float? = bytes.withUnsafeMutableBufferPointer { buffer in
                var i = 0
                let value = DecimalFloat.read(UnsafeBufferPointer(buffer), at: &i)
                return i == buffer.count ? value : nil
            }
            #expect(value == nil, "\(text)")
        }
    }
}
