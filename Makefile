# Two commands do all their own set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Torch is not pinned by the package. Where the venv has no torch yet, install these
# (this machine serves them from local disk; on a GPU box, install your own torch first).
TORCH ?= torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.installed
APT := DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1

.PHONY: install demo test test-nbs test-py check-export export docs screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -c "import torch, torchvision" 2>/dev/null || $(PY) -m pip install -q $(TORCH) 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import torch, torchvision"
	$(PY) -m pip install -q -e ".[dev,app,export]" 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import finalbn_fastai, nbdev, pytest, gradio, gradio_client, playwright, onnx, onnxruntime"
	@# the app's browser test drives Debian's Chromium; installed where we may (as root), else that test says why it skips
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && { $(APT) || { apt-get update -q >/dev/null 2>&1 && $(APT); }; }; } || \
	  echo "Chromium is not installed (apt-get install chromium, as root): the browser test of finalbn serve will skip"
	touch $@

install: $(STAMP)

demo: install
	$(VENV)/bin/finalbn demo --out demo_out

# The exported modules must match the notebooks: nbdev-export must change nothing.
check-export: install
	@snap() { cat pyproject.toml finalbn_fastai/*.py nbs/*.ipynb nbs/api/*.ipynb | sha1sum; }; \
	before=$$(snap); $(VENV)/bin/nbdev-export; after=$$(snap); \
	if [ "$$before" != "$$after" ]; then \
	  echo "nbdev-export changed the package: finalbn_fastai/ did not match the notebooks. Run 'make export' and commit."; exit 1; \
	fi

# Notebooks that need the real data say so (`# requires-data: plantvillage`); without it they are skipped, each named with the
# reason. The notebooks get a feature cache of their own, so that what earlier runs left in ~/.cache can neither help nor break them.
test-nbs: install
	@skip=$$($(PY) tools/data_skips.py) && cache=$$(mktemp -d) && \
	  FINALBN_CACHE=$$cache $(VENV)/bin/nbdev-test --n-workers 2 --timing --skip-file-re "$$skip"; \
	  status=$$?; rm -rf $$cache; exit $$status

test-py: install
	$(VENV)/bin/pytest -q tests

test: check-export test-nbs test-py

# The documentation site, offline: nbdev's processing of the notebooks, then static HTML (tools/docs.py), into _docs/.
# (Where Quarto is installed, nbdev-docs builds nbdev's usual Quarto site from the same notebooks.)
docs: install
	$(PY) tools/docs.py --out _docs

# Look at the built site as a reader would: headless Chromium screenshots of the index page and one notebook page,
# and of the page of finalbn serve after a prediction (tools/app_screenshot.py).
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || echo chromium)
screenshots: docs
	@command -v $(CHROMIUM) >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q chromium >/dev/null; } || \
	  { echo "screenshots need Chromium: apt-get install chromium (as root)"; exit 1; }
	mkdir -p _docs/screenshots
	for page in index looking_inside; do \
	  $(CHROMIUM) --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1000 \
	    --screenshot=_docs/screenshots/$$page.png file://$(CURDIR)/_docs/$$page.html 2>/dev/null; \
	done
	@# and finalbn serve after a prediction: two Tomato models served on loopback, photographed in Chromium (the README shows it)
	$(PY) tools/app_screenshot.py --out _docs/screenshots/app.png --copy nbs/figures/serve_app.png
	@ls -l _docs/screenshots

export: install
	$(VENV)/bin/nbdev-export
	$(VENV)/bin/nbdev-clean

clean:
	rm -rf $(VENV) demo_out _docs _proc
