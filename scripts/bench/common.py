"""What every bench script prints beside its figures."""
import os


def cpu_model():
    """"AMD EPYC (family 25, model 17, AVX-512), 2 cores": the name, family and model, the widest vector ISA, the cores."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return f"unknown CPU, {os.cpu_count()} cores"
    flags = fields.get("flags", "").split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return (f"{fields.get('model name', 'unknown')} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')}, {isa}), "
            f"{os.cpu_count()} cores")
