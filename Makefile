# `make book` and `make test` do all the set-up themselves (virtual environment, pinned packages,
# the default dataset); `make reproduce` recomputes the cpu-profile results the book shows.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
JB := $(VENV)/bin/jupyter-book
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The rendered book re-executes every chapter in the cpu profile from the committed results only,
# without progress bars; the notebook tests run the whole book in the tiny smoke profile.
BUILD_ENV := BOOK_PROFILE=cpu BOOK_CACHE=require BOOK_PROGRESS=0
# Smoke runs last seconds, less than starting a Ray cluster: they run one after another in the
# kernel with every core (BOOK_WORKERS=1, BOOK_THREADS=2; smoke results are never saved, so their
# thread count matters to nobody); tests/test_grid.py tests the parallel grid itself.
SMOKE_ENV := BOOK_PROFILE=smoke BOOK_PROGRESS=0 BOOK_WORKERS=1 BOOK_THREADS=2
# _config.yml plus the repository link and launch buttons, when the public repository is known
# (BOOK_REPOSITORY_URL, or a GitHub/GitLab `origin` remote); see helpers/site_config.py.
SITE_CONFIG := _build/_config.yml

.PHONY: book test setup data unit nbval site browser browser-deps plan reproduce prune bench gpu-check lab clean

book: setup data
	$(PY) -m helpers.site_config $(SITE_CONFIG)
	$(BUILD_ENV) $(JB) build . --config $(SITE_CONFIG)
	@echo "The site is in _build/html/index.html"

test: setup data unit nbval site browser

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Fashion-MNIST: found in $BOOK_DATA, data/fashion-mnist/ or the Debian package's folder, else
# installed from Debian (dataset-fashion-mnist) when apt is there, else downloaded by torchvision.
data: setup
	@$(PY) -m helpers.data --offline >/dev/null 2>&1 || { command -v apt-get >/dev/null && \
	  { $(SUDO) apt-get install -y -q dataset-fashion-mnist || \
	    { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q dataset-fashion-mnist; }; }; } || true
	$(PY) -m helpers.data

unit: setup data
	$(PY) -m pytest -q tests --ignore=tests/browser

nbval: setup data
	$(SMOKE_ENV) $(PY) -m pytest -q -p no:cacheprovider --nbval book/ \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600

site: setup data
	rm -rf _build
	$(PY) -m helpers.site_config $(SITE_CONFIG)
	$(BUILD_ENV) $(JB) build . --config $(SITE_CONFIG) -W -n --keep-going

# The built site in headless Chromium (Debian's chromium and chromium-driver): images, internal
# links, no tracebacks; a screenshot of every page goes to _build/screenshots/.
browser: site browser-deps
	$(PY) -m pytest -q -p no:cacheprovider tests/browser

browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  $(SUDO) apt-get install -y -q chromium chromium-driver || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; }

# The results the chapters need (CHAPTERS="clr momentum" for some), how many are cached, the minutes
# the missing ones will take here, and the stale ones (see helpers/plan.py). Nothing trains.
plan: setup data
	$(PY) -m helpers.plan $(CHAPTERS)

# Compute only the missing results (each saved as it arrives: run it again after an interruption),
# then execute the chapters in place from the cache.
reproduce: setup data
	$(PY) -m helpers.plan --compute $(CHAPTERS)
	BOOK_CACHE=require BOOK_PROGRESS=0 $(PY) -m helpers.reproduce $(CHAPTERS)

# Delete the results that no chapter or claim asks for any more.
prune: setup data
	$(PY) -m helpers.plan --prune

bench: setup data
	$(PY) -m helpers.bench --grid 4

# On a GPU machine: the unit tests on CUDA, the benchmark, runs per GPU, the paper profile's code path,
# the gpu profile's super-convergence headline and the cpu claims on the GPU, within 9 minutes, packed
# into gpu-check/*.tar.gz (see helpers/gpu_check.py). GPU_CHECK=--dry-run tries it here at a toy size.
gpu-check: setup data
	$(PY) -m helpers.gpu_check $(GPU_CHECK)

# The chapters in JupyterLab, to read and run (BOOK_PROFILE=paper make lab on a GPU machine).
lab: setup data
	$(VENV)/bin/jupyter lab book/ $(if $(SUDO),,--allow-root)

clean:
	rm -rf _build .pytest_cache
