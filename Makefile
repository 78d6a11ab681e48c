# nnreg: `make demo` sets up and trains the seed configuration; `make test` sets up and runs the tests.
SHELL := /bin/bash
NNREG_DATA ?= data/mnist
NNREG_DB ?= nnreg.sqlite
# What building and `make demo` need; the tests also need a browser (TEST_APT_PACKAGES).
APT_PACKAGES := libsqlite3-dev zlib1g-dev libpng-dev libturbojpeg0-dev pkg-config sqlite3 curl python3-pip python3-venv
TEST_APT_PACKAGES := chromium chromium-driver
export NNREG_DATA

.PHONY: demo test deps deps-test data build bench bench-postgres bench-mlflow bench-trainer bench-serve bench-sweep torture clean fuzz venv venv-mlflow-server venv-torch venv-serve venv-optuna examples

demo: deps data build
	.build/release/nnreg train --db $(NNREG_DB) --data $(NNREG_DATA)

# The PostgreSQL tests run against a throwaway cluster scripts/with-postgres.sh starts and removes
# (it installs Debian's postgresql first when missing).
test: deps deps-test data venv
	swift build --build-tests
	scripts/with-postgres.sh swift test --skip-build

# Release builds link the Swift runtime and Foundation statically: every nnreg command starts in
# about 11 ms instead of 18 (measured with perf stat; see the README's Speed section).
RELEASE := -c release --static-swift-stdlib

build:
	swift build $(RELEASE) --product nnreg

bench: deps data
	swift build $(RELEASE)
	.build/release/nnreg-bench all --data $(NNREG_DATA)

# The PostgreSQL figures, against a local server the bench starts (and removes) for itself.
bench-postgres: deps
	swift build $(RELEASE) --product nnreg-bench
	scripts/with-postgres.sh .build/release/nnreg-bench postgres

# Issue 21's figures: nnreg serve beside mlflow server (SQLite, 2 workers) in one sitting, through the
# stock client and alone on raw HTTP, with the client's own floor (scripts/bench/mlflow_bench.py).
bench-mlflow: deps venv venv-mlflow-server build
	$(VENV)/bin/python scripts/bench/mlflow_bench.py --nnreg .build/release/nnreg --mlflow $(MLFLOW_VENV)/bin/mlflow --python $(VENV)/bin/python

# Issue 23's figures in one sitting: the seed command against the NumPy reference loop (whole
# process), CPU time beside a busy core, 784-1024-1024-10 ReLU + Adam per step against PyTorch (eager
# and torch.compile), and accuracy on MNIST and Fashion-MNIST (Debian's dataset-fashion-mnist).
bench-trainer: deps data venv venv-torch build
	@test -d /usr/share/datasets/fashion-mnist || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; } || true
	$(VENV)/bin/python scripts/bench/trainer_bench.py --nnreg .build/release/nnreg --python $(VENV)/bin/python --torch-python $(TORCH_VENV)/bin/python --data $(NNREG_DATA)

# Issue 24's figures in one sitting (scripts/bench/serve_bench.py): `nnreg serve --model` scoring one
# image per request under wrk (Debian's package; 64 connections) beside the same ONNX file under ONNX
# Runtime behind the fastest small Python server we found (scripts/bench/ort_server.py) and beside
# `mlflow models serve`; the 10,000 test images in one batch, in-process, against ONNX Runtime; and how
# soon an alias move reaches the answers while a client keeps sending.
bench-serve: deps data venv venv-serve venv-mlflow-server build
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || { echo "Missing wrk. Run: sudo apt-get install -y wrk"; exit 1; }
	swift build $(RELEASE) --product nnreg-bench
	$(VENV)/bin/python scripts/bench/serve_bench.py --nnreg .build/release/nnreg --nnreg-bench .build/release/nnreg-bench --serve-python $(SERVE_VENV)/bin/python --mlflow $(MLFLOW_VENV)/bin/mlflow --data $(NNREG_DATA)

# A hyperparameter sweep in one sitting (scripts/bench/sweep_bench.py): `nnreg sweep` (TPE, ASHA, 2
# workers) beside Optuna driving `nnreg train` (TPESampler, SuccessiveHalvingPruner, 2 worker processes
# on one SQLite storage), the same search space, TRIALS trials (default 40) of STEPS steps (default 4000).
bench-sweep: deps data venv-optuna build
	$(OPTUNA_VENV)/bin/python scripts/bench/sweep_bench.py --nnreg .build/release/nnreg --data $(NNREG_DATA) --trials $(or $(TRIALS),40) --steps $(or $(STEPS),4000)

# kill -9 a training run KILLS times (default 200), resuming each time; ends bit-exact or fails.
torture: deps data build
	scripts/torture.sh $(or $(KILLS),200)

# Builds the libFuzzer targets and runs each for FUZZ_SECONDS (default 30); see scripts/fuzz.sh.
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

data:
	scripts/fetch-mnist.sh $(NNREG_DATA)

# Builds Examples/TrainLoop (a program of its own that logs through the NNRegTracking library),
# runs it into a fresh store and checks the run it recorded with nnreg itself. It shares nnreg's
# build folder: the dependencies `make test` compiled are not compiled again (30 s instead of 7 min).
EXAMPLE_DB := .build/example.sqlite
examples: deps
	swift build --package-path Examples/TrainLoop --scratch-path .build
	swift build --product nnreg
	rm -f $(EXAMPLE_DB) $(EXAMPLE_DB)-wal $(EXAMPLE_DB)-shm
	.build/debug/TrainLoop $(EXAMPLE_DB) 200
	.build/debug/nnreg list --db $(EXAMPLE_DB) --where 'status = "finished" and steps_done = 200' | grep -q finished
	.build/debug/nnreg check --db $(EXAMPLE_DB)

# Installs the system libraries when they are missing (as root), or prints the command to run.
deps:
	@missing=""; \
	for m in sqlite3 zlib libpng libturbojpeg; do pkg-config --exists $$m 2>/dev/null || missing=yes; done; \
	command -v sqlite3 >/dev/null || missing=yes; \
	command -v curl >/dev/null || missing=yes; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || missing=yes; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	  else \
	    echo "Missing system packages. Run: sudo apt-get update && sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

# The browser the web tests drive (only the tests need it).
deps-test:
	@if ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_APT_PACKAGES); \
	  else \
	    echo "Missing system packages. Run: sudo apt-get update && sudo apt-get install -y $(TEST_APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf .build

# The reference readers the interoperability tests run exported files through (numpy, safetensors,
# onnx, onnxruntime), in a virtual environment of the project's own. The MLflow tests drive
# `nnreg serve --allow-writes` with the stock client, pinned because its REST calls change between
# releases (3.x added logged models); mlflow-skinny is the client without the server, and
# mlflow.pyfunc.load_model imports pandas, which skinny does not pull in.
VENV := .venv
MLFLOW_VERSION := 3.17.2
PEER_PACKAGES := numpy pillow pypng safetensors onnx onnxruntime selenium mlflow-skinny==$(MLFLOW_VERSION) pandas==3.1.1
venv: $(VENV)/.installed
$(VENV)/.installed: Makefile
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PEER_PACKAGES)
	touch $@

# MLflow's own tracking server, for side-by-side benchmarks with `nnreg serve` only (no test needs
# it): the full mlflow package, in an environment of its own so that its many dependencies never
# reach the peers' one. Start it with .venv-mlflow/bin/mlflow server --backend-store-uri
# sqlite:///PATH --artifacts-destination DIR --serve-artifacts --host 127.0.0.1 --port PORT.
# ONNX Runtime is there for bench-serve: the model its `mlflow models serve` answers with runs the
# exported .onnx file (scripts/bench/mlflow_onnx_model.py).
MLFLOW_VENV := .venv-mlflow
venv-mlflow-server: $(MLFLOW_VENV)/.installed
$(MLFLOW_VENV)/.installed: Makefile
	python3 -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/pip install --quiet --disable-pip-version-check mlflow==$(MLFLOW_VERSION) onnxruntime==$(ORT_VERSION)
	touch $@

# PyTorch (CPU use only, though PyPI's wheel brings its CUDA libraries: about 5 GB), for the trainer
# benchmark only; no test needs it.
TORCH_VENV := .venv-torch
TORCH_VERSION := 2.15.0
venv-torch: $(TORCH_VENV)/.installed
$(TORCH_VENV)/.installed: Makefile
	python3 -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/pip install --quiet --disable-pip-version-check torch==$(TORCH_VERSION) numpy
	touch $@

# ONNX Runtime behind a small Python HTTP server (scripts/bench/ort_server.py: uvloop, orjson), the
# peer of `nnreg serve --model` in bench-serve only; no test needs it.
SERVE_VENV := .venv-serve
ORT_VERSION := 1.32.0
SERVE_PACKAGES := onnxruntime==$(ORT_VERSION) numpy==2.4.6 orjson==3.13.0 uvloop==0.23.0
venv-serve: $(SERVE_VENV)/.installed
$(SERVE_VENV)/.installed: Makefile
	python3 -m venv $(SERVE_VENV)
	$(SERVE_VENV)/bin/pip install --quiet --disable-pip-version-check $(SERVE_PACKAGES)
	touch $@

# Optuna (pure Python: SQLAlchemy, Alembic, NumPy and a few small ones), the peer of `nnreg sweep` in
# bench-sweep only; no test needs it.
OPTUNA_VENV := .venv-optuna
OPTUNA_VERSION := 5.0.0
venv-optuna: $(OPTUNA_VENV)/.installed
$(OPTUNA_VENV)/.installed: Makefile
	python3 -m venv $(OPTUNA_VENV)
	$(OPTUNA_VENV)/bin/pip install --quiet --disable-pip-version-check optuna==$(OPTUNA_VERSION)
	touch $@
