# The few commands a newcomer needs. `make demo` and `make test` do everything
# from a fresh clone: create .venv, install the project with its extras, run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# llama-cpp-python is built from source. A native build (-march=native) enables
# llama.cpp's AMX kernels on CPUs that have them, and those crash on the first
# multi-token prompt (ggml-org/llama.cpp#20824); pip's cache would also hand a
# native wheel to another CPU. So build it once, portably, into a wheelhouse.
LLAMA_VERSION := 0.3.36
LLAMA_CPP  := llama-cpp-python==$(LLAMA_VERSION)
WHEELHOUSE ?= $(HOME)/.cache/fmos/wheels/portable
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

.PHONY: install demo test lint bench bench-evolution clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install torch==2.13.0
	ls $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  $(BIN)/python -m pip wheel --no-deps --no-cache-dir -w $(WHEELHOUSE) "$(LLAMA_CPP)"
	$(BIN)/python -m pip install --find-links $(WHEELHOUSE) -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python examples/demo.py

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/overhead.py

# the self-evolution benchmark compares with DSPy, from the `bench` extra
bench-evolution: install
	$(BIN)/python -m pip install --find-links $(WHEELHOUSE) -e ".[dev,bench]"
	$(BIN)/python benchmarks/evolution.py

clean:
	rm -rf $(VENV) .fmos .pytest_cache .ruff_cache .mypy_cache
