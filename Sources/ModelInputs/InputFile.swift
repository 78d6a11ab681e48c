import Foundation
import Trainer

/// `nnreg predict --input FILE`: the rows a file holds for a model of `inputs` features, by what
/// the file is: a PNG or JPEG image (by its first bytes), a `.npy` array, a `.npz` archive, or
/// CSV text (`.csv`, `.txt`, anything else that reads as rows of numbers).
public enum InputFile {
    /// Largest file read (an image, an array of rows).
    public static let maxBytes = 512 << 20

    /// Throws `InputError` naming `path`.
    public static func rows(path: String, inputs: Int, invert: Bool, maxRows: Int = 10_000_000) throws -> FeatureRows {
        let bytes: [UInt8]
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maxBytes {
                throw InputError("\(path) is \(size >> 20) MB; the largest input file read is \(maxBytes >> 20) MB", isTooLarge: true)
            }
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                throw InputError("\(path) is a directory; give image, CSV, .npy or .npz files")
            }
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        let rows: FeatureRows
        let name = (path as NSString).lastPathComponent
        let suffix = (path as NSString).pathExtension.lowercased()
        do {
            if ImageRows.isImage(bytes) {
                rows = try ImageRows.row(bytes, inputs: inputs, invert: invert, name: name)
            } else if ["png", "jpg", "jpeg"].contains(suffix) {
                throw InputError("it is not a PNG or JPEG image (its first bytes are not an image signature); give a .png or .jpg file")
            } else if suffix == "npy" || bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
                rows = named(try FeatureArrays.rows(npy: bytes, file: path), name)
            } else if suffix == "npz" || bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                rows = named(try FeatureArrays.rows(npz: bytes, file: path), name)
            } else {
                rows = try bytes.withUnsafeBufferPointer { buffer throws(InputError) in
                    try CSVRows.rows(buffer, source: name, maxRows: maxRows)
                }
            }
        } catch let error as InputError {
            throw InputError(error.description.hasPrefix(name) ? error.description : "\(path): \(error.description)", isTooLarge: error.isTooLarge)
        } catch {
            throw InputError("\(error)")  // DatasetError names the file itself
        }
        guard rows.width == inputs else {
            throw InputError("\(path) has rows of \(rows.width) values, but the model takes \(inputs); give rows of \(inputs) features")
        }
        return rows
    }

    private static func named(_ split: Split, _ name: String) -> FeatureRows {
        FeatureRows(split: split, names: split.count == 1 ? [name] : (0..<split.count).map { "\(name)[\($0)]" })
    }
}
