# Every README command is a target here. `make run` and `make test` do all set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

VENV := .venv
PY := $(VENV)/bin/python
# Rasa's command line, through bot.ops.serve (Rasa's own `rasa` script needs TensorFlow).
RASA := $(PY) -m bot.ops.serve
SPACY_MODEL := models/spacy_en_career
MODEL := models/career.tar.gz
# Training data: the NLU files and rules (the knowledge file is read at run time, not trained on).
TRAIN_DATA := data/nlu data/rules.yml
WEB_STAMP := web/node_modules/.packages
WEB_DEV_STAMP := web/node_modules/.dev-packages
DEV_STAMP := $(VENV)/.dev-installed
TRAIN_INPUTS := config.yml domain.yml data/rules.yml $(wildcard data/nlu/*.yml) $(SPACY_MODEL)/meta.json \
  data/knowledge.yml bot/part_intents.py bot/second_opinion.py bot/analyzer.py bot/words.py

# Rasa 3.6 needs Python 3.10. PYTHON=... overrides; otherwise try the usual places,
# running each candidate (a pyenv shim may exist and still fail).
PYTHON_CANDIDATES := $(PYTHON) /root/.pyenv/versions/3.10.13/bin/python3.10 \
	$(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python3.10) \
	/usr/local/bin/python3.10 /usr/bin/python3.10 python3.10

.PHONY: help install spacy web train run cluster shell test check lint screenshots validate compare answers bench profile migrate-tracker haproxy-config report forget lock clean

help:
	@echo "make run      install, build, train if needed, then serve (REST on 127.0.0.1:\$${BOT_PORT:-5005})"
	@echo "make test     the same set-up, then every test"
	@echo "make check    the fast tier for the edit loop: ruff, then every test that needs no server (< 1 min)"
	@echo "make screenshots  run the web chat and report tests and refresh docs/screenshots/*.png"
	@echo "make cluster  the same bot as RASA_SERVERS (2) Rasa servers behind HAProxy, with PostgreSQL and Redis"
	@echo "make shell    chat in the terminal (Rasa shell) with the action server running"
	@echo "make train    retrain the model (only if data/, config.yml or domain.yml changed)"
	@echo "make validate check the training data (rasa data validate)"
	@echo "make compare  compare NLU pipelines on the held-out set"
	@echo "make answers  score the answers on tests/answers/dev.yml (SET=heldout: scores only)"
	@echo "make bench    latency, start-up and memory benchmarks"
	@echo "make profile  where a turn's time goes (cProfile, turn 300 of one conversation)"
	@echo "make haproxy-config BOT_HOSTS=\"host:port ...\"  HAProxy's configuration for bot hosts elsewhere"
	@echo "make report   what users asked that the bot could not answer, and their feedback: reports/report.html"
	@echo "make forget SENDER=<id>  delete one conversation (its id, or the hash the report shows)"
	@echo "make migrate-tracker  copy the SQLite conversations (TRACKER_DB) into PostgreSQL (TRACKER_DB_URL)"

# The bot's packages, exactly requirements.lock (complete by construction: `make lock`), in
# a new environment whenever the lock changes, so nothing it no longer lists stays behind.
# Two pip processes install every other line each (--no-deps: each package stands alone),
# one a core: pip unpacks and compiles one package at a time (70 s alone, 42 s so).
$(VENV)/.installed: requirements.lock
	@set -e; found=""; \
	for c in $(PYTHON_CANDIDATES); do \
	  if "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then found="$$c"; break; fi; \
	done; \
	if [ -z "$$found" ]; then \
	  echo "error: Rasa 3.6 needs Python 3.10 and none was found (tried: $(PYTHON_CANDIDATES))." >&2; \
	  echo "       Install Python 3.10 or pass PYTHON=/path/to/python3.10." >&2; exit 1; \
	fi; \
	rm -rf $(VENV); echo "Creating $(VENV) with $$found"; "$$found" -m venv $(VENV); \
	$(PY) -m pip install --quiet --upgrade "pip==24.0"; \
	awk 'NR % 2 == 0' requirements.lock > $(VENV)/.lock-even; awk 'NR % 2 == 1' requirements.lock > $(VENV)/.lock-odd; \
	$(PY) -m pip install --quiet --no-deps -r $(VENV)/.lock-even & even=$$!; \
	$(PY) -m pip install --quiet --no-deps -r $(VENV)/.lock-odd || { kill $$even; exit 1; }; \
	wait $$even
	@touch $@

# The test tools (requirements-dev.lock) on top, for `make test` and `make check` only.
$(DEV_STAMP): requirements-dev.lock $(VENV)/.installed
	$(PY) -m pip install --quiet --no-deps -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed

$(SPACY_MODEL)/meta.json: $(VENV)/.installed bot/spacy_pipeline.py bot/entities.py bot/domain.py domain.yml data/entity_patterns.jsonl
	$(PY) -m bot.spacy_pipeline $(SPACY_MODEL)

spacy: $(SPACY_MODEL)/meta.json

# The chat page's widget: rasa-webchat's prebuilt bundle alone, not its 597 dependencies
# (bot/tools/web_packages.py: npm pack, checked against web/package-lock.json's hash).
$(WEB_STAMP): web/package.json web/package-lock.json $(VENV)/.installed
	rm -rf web/node_modules
	$(PY) -m bot.tools.web_packages
	@touch $@

# The test tools' package (axe-core) too, for `make test`.
$(WEB_DEV_STAMP): $(WEB_STAMP)
	$(PY) -m bot.tools.web_packages --dev
	@touch $@

web: $(WEB_STAMP)

# Rasa's training and what the responder builds from the same data (bot.built_cache: its
# classifiers and index terms) at once, each on a core of its own.
$(MODEL): $(TRAIN_INPUTS)
	@$(PY) -m bot.responder & built=$$!; \
	$(RASA) train --config config.yml --domain domain.yml --data $(TRAIN_DATA) \
	  --out models --fixed-model-name career || { kill $$built; exit 1; }; \
	wait $$built
	@touch $@

train: $(MODEL)

# Ctrl-C or SIGTERM: the launcher stops both servers, prints "Stopped." and exits 0, so
# make adds no "*** [run] Interrupt" (it does only when its command dies of the signal).
# No `exec` or `trap` is needed: the launcher is make's own child, no shell in between.
run: $(MODEL) $(WEB_STAMP)
	$(PY) -m bot.ops.launcher run

# The same bot as several servers behind HAProxy, with PostgreSQL and Redis (README,
# "Scale out"); .ci/packages installs the Debian packages it needs when they are missing.
cluster: $(MODEL) $(WEB_STAMP)
	@.ci/packages cluster
	$(PY) -m bot.ops.cluster run

# The load balancer's configuration for bot hosts elsewhere (README, "Several machines"):
#   make haproxy-config BOT_HOSTS="10.0.0.11:5005 10.0.0.12:5005" [BIND=0.0.0.0:5005] [ACTIONS="host:port ..."]
haproxy-config: $(VENV)/.installed
	@[ -n "$(BOT_HOSTS)" ] || { echo 'error: say where the bot hosts are: BOT_HOSTS="host:port host:port"' >&2; exit 2; }
	@$(PY) -m bot.ops.cluster haproxy-config --bind $(or $(BIND),0.0.0.0:5005) --rasa $(BOT_HOSTS) \
	  $(if $(ACTIONS),--actions $(ACTIONS))

shell: $(MODEL)
	$(PY) -m bot.ops.launcher shell

# Tests write screenshots to test-output/ only; `make screenshots` also refreshes the README's.
# Two pytest-xdist workers (one per core), each test file wholly on one of them, so that a
# file's module-scoped servers start once, and every file that uses the shared bot or the
# model in process on the same one, so that they start once (tests/conftest.py,
# pytest_collection_modifyitems; each worker has its own PostgreSQL and Redis); the 25
# slowest steps are printed. The groups go to the workers longest first
# (tests/conftest.py, LONGEST_FIRST), not in pytest-xdist's order (most tests first).
PYTEST_WORKERS ?= 2
test: lint $(MODEL) $(WEB_DEV_STAMP)
	UPDATE_SCREENSHOTS= $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=25

# The edit loop: the same linting, then every test not marked `servers` (needs a server or
# process) or `slow` (the held-out answer sets scored in process, 30 s of one core, and a few
# other checks of seconds of CPU), each
# file on one worker (the groups of `make test` would leave one worker most of the work).
check: lint $(MODEL) $(WEB_DEV_STAMP)
	$(PY) -m pytest -m "not servers and not slow" -q -n $(PYTEST_WORKERS) --dist loadfile

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

screenshots: $(DEV_STAMP) $(MODEL) $(WEB_DEV_STAMP)
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/test_webchat.py tests/test_webchat_widget.py tests/test_report_e2e.py
	git status --short docs/screenshots

validate: $(VENV)/.installed
	$(RASA) data validate --fail-on-warnings --config config.yml --domain domain.yml --data $(TRAIN_DATA)

compare: $(SPACY_MODEL)/meta.json
	$(PY) -m bot.measure.nlu_compare

answers: $(MODEL)
	$(PY) -m bot.measure.answer_eval $(or $(SET),dev)

bench: $(MODEL)
	$(PY) -m bot.measure.bench

profile: $(MODEL)
	$(PY) -m bot.measure.profile

# Conversations from the SQLite store into PostgreSQL; conversations already there are skipped.
migrate-tracker: $(VENV)/.installed
	$(PY) -m bot.storage.migrate_tracker

# The maintainer's loop (issue 13): ARGS="--since 2026-11-01 --channel slack" narrows the report.
report: $(MODEL)
	$(PY) -m bot.tools.report $(ARGS)

forget: $(VENV)/.installed
	@[ -n "$(SENDER)" ] || { echo "usage: make forget SENDER=<conversation id, or the hash make report shows>" >&2; exit 2; }
	$(PY) -m bot.storage.forget "$(SENDER)"

# After editing requirements.in or requirements-dev.in (KEEP=1: move only what has to).
lock: $(VENV)/.installed
	$(PY) -m bot.tools.lock $(if $(KEEP),--keep)

clean:
	rm -rf models results test-output web/node_modules
