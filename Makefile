# Two entry points (see README): `make run` and `make test`. Both set everything up first.
PY := .venv/bin/python
STAMP := .venv/.installed-stamp

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run chat serve test setup browser clean-index

setup: $(STAMP)

# torch first: the CPU build that lies on this machine's disk (anything else pulls GBs of CUDA).
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[llm,dev,eval]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m ui

chat: $(STAMP)
	$(PY) -m rag chat

# the HTTP API on http://127.0.0.1:8000 (HOST=0.0.0.0 needs RAG_API_KEYS)
serve: $(STAMP)
	$(PY) -m rag serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8000)

test: $(STAMP) browser
	$(PY) -m pytest -q

# Debian's chromium for the browser tests, when missing (needs root): the script prints what apt-get will
# install and why before it does, and installs only chromium and its dependencies (`.ci/install-chromium --plan`
# shows the list without installing anything).
browser:
	@.ci/install-chromium

clean-index:
	rm -rf .rag-index
