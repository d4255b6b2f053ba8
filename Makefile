# Two commands for a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# Without sign-in everyone who opens the app is its one local user, an admin: so it serves this machine only.
# A team server with sign-in configured sets ADDRESS=0.0.0.0 (README, 'Run it for a team').
ADDRESS ?= 127.0.0.1
# Streamlit runs each session's script in a thread of its own; glibc would give each thread a memory arena that
# keeps what a big map (England) once needed. Two arenas: see README, Speed and size.
MALLOC_ARENA_MAX ?= 2
# The app serves any English district, so `make run` builds England (about 10 s).
APP_AREA ?= england
# Copy official data from a local mirror when one sits beside the project (as on these machines
# and in CI); set HIAP_DATA_MIRROR= (empty) to download from the publishers instead.
HIAP_DATA_MIRROR ?= $(abspath $(wildcard ../shared/data))
export HIAP_DATA_MIRROR

.PHONY: run test test-fast install install-dev data browser lint bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .  # so notebooks and benchmarks import hiap_geo
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

data: install
	$(PY) -m hiap_geo fetch
	@$(PY) -c "from hiap_geo.geo.layers import is_built; raise SystemExit(0 if is_built('$(APP_AREA)') else 1)" \
		|| $(PY) -m hiap_geo build --area $(APP_AREA)

run: data
	$(PY) -c "from pathlib import Path; from hiap_geo.render.maps import install_map_assets; install_map_assets(Path('static'))"
	MALLOC_ARENA_MAX=$(MALLOC_ARENA_MAX) $(VENV)/bin/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true

# Debian packages the tests use: Chromium for the browser tests (never a browser downloaded by a
# test tool), poppler for rendering PDFs, an emoji font so screenshots show the page icons, PostgreSQL
# (the tests start their own server in a temporary folder: tests/postgres_support.py).
SYSTEM_PACKAGES := chromium chromium-driver poppler-utils fonts-noto-color-emoji postgresql
browser:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null)

# Two pytest processes at once on the two cores (tests/parallel.py): the browser tests, which mostly wait on the app
# and Chromium, beside the rest; the accessibility and map speed tests (about 3 minutes) after the rest, so the two
# end together. Leaflet is copied into static/ first, so the two never copy it at the same time.
SOLO_BROWSER := tests/test_accessibility_browser.py tests/test_map_speed_browser.py
test: install-dev browser
	$(PY) -m hiap_geo fetch --quiet
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -c "from pathlib import Path; from hiap_geo.render.maps import install_map_assets; install_map_assets(Path('static'))"
	$(PY) -m tests.parallel --group "-m browser $(addprefix --ignore=,$(SOLO_BROWSER))" --group "-m 'not browser'" \
		--group "-m browser $(SOLO_BROWSER)"

# The next developer's loop: lint, the import contract and the unit tests (no real data, no browser), well
# under a minute. `make test` stays the whole suite. The unit tests run in two halves at once (tests/parallel.py).
FAST_TESTS := not integration and not browser and not slow
FAST_HALF = $(wildcard tests/test_[a-o]*.py tests/test_plan_*.py)
test-fast: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m tests.parallel --group "$(FAST_HALF)" --group "$(filter-out $(FAST_HALF),$(wildcard tests/test_*.py))" \
		-- -q -m "$(FAST_TESTS)"

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -p no:cacheprovider tests/test_structure.py  # module and page sizes, limits in one place

# The browser table (headless Chromium, a floor page beside the app; about 10 minutes, `--quick` for
# Tunbridge Wells alone), then the builder table.
bench: install-dev data browser
	$(PY) -m benchmarks.page_benchmark
	$(PY) -m benchmarks.browser_benchmark
	$(PY) -m benchmarks.map_benchmark

clean:
	rm -rf boundaries/sources boundaries/layers
