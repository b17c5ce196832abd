# Abri: `make run` starts everything with its embedded defaults; `make test` runs every test tier.
# Small targets below are the steps they are made of.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
PACKAGES := libs/contracts libs/bus libs/auth libs/kit libs/ops gateway infra/idp services/listings services/matching services/guarantees services/notifications services/assistant services/insights
SOURCES := libs/contracts/abri_contracts libs/bus/abri_bus libs/auth/abri_auth libs/kit/abri_kit libs/ops/abri_ops gateway/abri_gateway \
	services/listings/abri_listings services/matching/abri_matching \
	services/guarantees/abri_guarantees services/notifications/abri_notifications services/assistant/abri_assistant services/insights/abri_insights \
	tests bench infra/kafka/topics.py infra/kafka/cluster.py infra/postgres/pgctl.py infra/redis/redisctl.py infra/dev infra/idp/abri_idp
PYTEST := $(PY) -m pytest -p no:cacheprovider
WITH_INFRA := $(PY) infra/dev/with_infra.py --
# `make test` and the time-shifted short run: the test files dealt out to SHARDS pytest processes side by side, each
# with servers of its own (infra/dev/shards.py); SHARDS=1 is one process, as before
SHARDS ?= 2
SHARDED = $(PY) infra/dev/shards.py --shards $(SHARDS)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# --- environment --------------------------------------------------------------------------------
$(VENV)/.installed: requirements/dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip install --quiet --python $(PY) -r requirements/dev.txt
	$(UV) pip install --quiet --python $(PY) --no-deps $(addprefix -e ,$(PACKAGES))
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create the Python environment (pinned by requirements/dev.txt)

.PHONY: lock
lock: venv ## Re-pin requirements/dev.txt from requirements/dev.in
	$(UV) pip compile --quiet --python-version 3.11 requirements/dev.in -o requirements/dev.txt

# --- infrastructure -------------------------------------------------------------------------------
.PHONY: kafka-fetch kafka-up kafka-down pg-up pg-down redis-up redis-down infra-up infra-down migrate keycloak-fetch keycloak-up keycloak-down
kafka-fetch: ## Fetch the Kafka broker jars through Maven (once; cached)
	infra/kafka/kafka.sh fetch
kafka-up: venv ## Start the local Kafka broker (KRaft, 127.0.0.1:9092) and create the topics
	infra/kafka/kafka.sh start
kafka-down: ## Stop the local Kafka broker
	infra/kafka/kafka.sh stop
pg-up: venv ## Start the embedded PostgreSQL (data 127.0.0.1:55432, key store 127.0.0.1:55433), one database and role per service on each
	$(PY) infra/postgres/pgctl.py start
pg-down: venv ## Stop the embedded PostgreSQL (both clusters)
	$(PY) infra/postgres/pgctl.py stop
redis-up: venv ## Start the local Redis (Debian's redis-server; 127.0.0.1:56379, password in .run/redis/credentials.env, nothing persisted)
	$(PY) infra/redis/redisctl.py start
redis-down: venv ## Stop the local Redis
	$(PY) infra/redis/redisctl.py stop
infra-up: pg-up kafka-up redis-up ## Start PostgreSQL, Kafka and Redis
infra-down: redis-down kafka-down pg-down ## Stop Redis, Kafka and PostgreSQL (and those of test shards a killed run left)
	$(PY) infra/dev/shards.py down
keycloak-fetch: ## Fetch the Keycloak distribution through Maven (once; cached)
	infra/keycloak/keycloak.sh fetch
keycloak-up: ## Start Keycloak (start-dev, 127.0.0.1:8180) with the Abri realm
	infra/keycloak/keycloak.sh start
keycloak-down: ## Stop Keycloak
	infra/keycloak/keycloak.sh stop
.PHONY: verapdf-fetch
verapdf-fetch: ## Fetch veraPDF (the PDF/UA validator the visa PDF's test runs) through Maven (once; cached)
	infra/verapdf/verapdf.sh fetch
migrate: venv ## Migrate every service's database (PostgreSQL must be up)
	$(PY) infra/dev/migrate.py

idp: venv ## Run only the development identity provider (http://127.0.0.1:8100)
	$(PY) -m abri_idp serve

# --- run ------------------------------------------------------------------------------------------
WEB_ASSETS := gateway/web-assets/node_modules/.installed
$(WEB_ASSETS): gateway/web-assets/package.json gateway/web-assets/.npmrc
	cd gateway/web-assets && npm install --ignore-scripts --no-package-lock --no-audit --no-fund --loglevel=error
	touch $@
.PHONY: web-assets
web-assets: $(WEB_ASSETS) ## Install the web front's packages (DSFR, htmx, axe-core) from npm, exact versions, no lock file

.PHONY: run
run: venv web-assets ## Start Kafka, PostgreSQL, Redis, the services and the gateway; Ctrl-C stops everything
	$(PY) infra/dev/run.py

# --- quality --------------------------------------------------------------------------------------
.PHONY: lint typecheck contracts test test-durations test-fast fuzz test-browser test-timeshift test-timeshift-short screenshots test-external bench idp
lint: venv ## ruff (lint and format check)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
typecheck: venv ## mypy (strict on libs/)
	$(VENV)/bin/mypy $(SOURCES)
contracts: venv ## Regenerate docs/events (JSON Schemas, AsyncAPI) from the contracts
	$(PY) -m abri_contracts.generate docs/events

test-fast: venv lint typecheck ## Lint, types and the unit tests (nothing to start)
	$(PYTEST) -m unit -q

DURATIONS ?= 25
test: venv web-assets helm-tools verapdf-fetch lint typecheck ## Everything: lint, types, and all tests against real Kafka, PostgreSQL and Redis (the chart's and the browser's included), with branch coverage, in two shards side by side
	mkdir -p .run/coverage && rm -f .run/coverage/.coverage*
	$(SHARDED) --reports .run/shards/test -- $(PYTEST) -q --cov --cov-report= --durations=$(DURATIONS)
	$(PY) -m coverage combine -q .run/coverage
	@printf 'branch coverage of the packages (lines and branches, test process): %s%%\n' "$$($(PY) -m coverage report --format=total)"

test-durations: venv ## Record each test file's seconds from the last `make test` (tests/durations.json, how the shards are dealt)
	$(PY) infra/dev/shards.py --reports .run/shards/test durations

# The time-shifted runs: every process (PostgreSQL, Kafka, the tests and the services they start) reads a clock
# moved ahead by libfaketime, to moments chosen relative to today, so that no test that depends on the real
# date or hour lands (docs/testing.md). The browser, fault, contract, Keycloak, chart and image tiers are left out here:
# `make test-timeshift TIMESHIFT_TESTS=` runs them too.
TIMESHIFT := $(PY) infra/dev/timeshift.py
# PostgreSQL's timers (lock_timeout, idle_in_transaction_session_timeout) never fire under libfaketime, so the
# tests that wait for them are left to the normal run (docs/testing.md).
TIMESHIFT_TIMER_TESTS := --deselect tests/services/test_idempotency.py::test_a_request_waits_a_while_for_another_running_with_its_key_then_answers_409 \
	--deselect tests/kit/test_idle_transactions.py::test_an_idle_transaction_is_ended_and_its_lock_released
TIMESHIFT_TESTS ?= -m "not browser and not fault and not contract" --ignore=tests/keycloak --ignore=tests/helm --ignore=tests/images \
	$(TIMESHIFT_TIMER_TESTS)
test-timeshift: venv web-assets verapdf-fetch ## Unit and service tiers twice, time moved ahead: 00:30 in France on a 1st (UTC still on the month before), 13 months on; 23:30 on a month's last day, 14 months on
	$(TIMESHIFT) --months 13 --day first --time 00:30 -- $(WITH_INFRA) $(PYTEST) -q $(TIMESHIFT_TESTS)
	$(TIMESHIFT) --months 14 --day last --time 23:30 -- $(WITH_INFRA) $(PYTEST) -q $(TIMESHIFT_TESTS)

# The shortened time-shifted run of `.ci/run`: at the first moment, the tiers whose code counts days (the
# services, the pages, the erasure across services, kit's clock and the clocks' own check), and every unit test;
# at the second moment, every unit test (month-end arithmetic lives in the pure rules). `make test-timeshift`
# remains the whole run at both moments.
TIMESHIFT_SHORT_TESTS := -m "not unit and not browser and not fault and not contract" tests/listings tests/matching tests/guarantees \
	tests/notifications tests/assistant tests/insights tests/privacy tests/web tests/kit tests/infra/test_clocks.py $(TIMESHIFT_TIMER_TESTS)
test-timeshift-short: venv web-assets verapdf-fetch ## The shortened time-shifted run of CI: day-counting service tiers at 00:30 on a 1st 13 months on, unit tests at both moments
	$(TIMESHIFT) --months 13 --day first --time 00:30 -- $(SHARDED) --reports .run/shards/timeshift -- $(PYTEST) -q $(TIMESHIFT_SHORT_TESTS)
	$(TIMESHIFT) --months 13 --day first --time 00:30 -- $(PYTEST) -q -m unit
	$(TIMESHIFT) --months 14 --day last --time 23:30 -- $(PYTEST) -q -m unit

CHAOS_JOURNEYS ?= 500
CHAOS_FAULTS ?= 20
CHAOS_SEED ?= 2026
.PHONY: chaos
chaos: venv ## The system fault suite at length: 500 journeys through two replicas of everything while 20 seeded faults strike (figures: bench/README.md)
	$(WITH_INFRA) $(PY) -m tests.chaos.run --journeys $(CHAOS_JOURNEYS) --faults $(CHAOS_FAULTS) --seed $(CHAOS_SEED)

SOAK_MINUTES ?= 20
SOAK_PER_SECOND ?= 1.5
.PHONY: soak
soak: venv ## A steady load for 20 minutes (not in CI): per process memory, descriptors, database connections and lag must not grow without bound
	$(WITH_INFRA) $(PY) -m tests.chaos.soak --minutes $(SOAK_MINUTES) --per-second $(SOAK_PER_SECOND)

fuzz: venv ## The contract tier at length: schemathesis over every service, 100 examples per operation and role (ABRI_FUZZ_SEED to vary)
	ABRI_FUZZ_EXAMPLES=$${ABRI_FUZZ_EXAMPLES:-100} $(WITH_INFRA) $(PYTEST) -q -m contract

test-browser: venv web-assets ## Only the browser tier (Debian's Chromium through Playwright)
	$(WITH_INFRA) $(PYTEST) -m browser -q

screenshots: venv web-assets ## Photograph the main pages of each role into docs/screenshots (the browser journey)
	ABRI_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(WITH_INFRA) $(PYTEST) -m browser -q tests/browser/test_journey.py

test-external: venv ## The event-bus tests against an external PostgreSQL (ABRI_PG_CREDENTIALS=...)
	test -n "$$ABRI_PG_CREDENTIALS" || { echo "set ABRI_PG_CREDENTIALS to the external server's credentials file"; exit 2; }
	set -a; . "$$ABRI_PG_CREDENTIALS"; set +a; $(WITH_INFRA) $(PYTEST) -q tests/bus tests/infra/test_postgres_isolation.py

bench: venv ## The benchmarks: event bus, gateway, search, matching, notifications, the assistant (figures in bench/README.md; gateway and search need wrk)
	$(WITH_INFRA) $(PY) -m bench.event_bus
	$(WITH_INFRA) $(PY) -m bench.gateway
	$(WITH_INFRA) $(PY) -m bench.search --units 10000 --spread france
	$(WITH_INFRA) $(PY) -m bench.search --units 100000 --spread france
	$(WITH_INFRA) $(PY) -m bench.matching
	$(WITH_INFRA) $(PY) -m bench.notifications
	$(PY) -m bench.assistant_urgency
	$(WITH_INFRA) $(PY) -m bench.assistant_answers

.PHONY: openapi
openapi: venv ## Regenerate docs/api/<service>.openapi.json from the services
	$(PY) infra/dev/openapi.py docs/api

# --- Kubernetes chart -------------------------------------------------------------------------------
# helm and kube-score are built from source through the Go module proxy into .run/bin (once: a few minutes).
HELM_VERSION := v3.22.0
KUBE_SCORE_VERSION := v1.20.0
TOOLS_BIN := $(CURDIR)/.run/bin
HELM := $(TOOLS_BIN)/helm
KUBE_SCORE := $(TOOLS_BIN)/kube-score
CHART := helm/abri
KUBE_VERSION := 1.33.0

$(HELM):
	mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(KUBE_SCORE):
	mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) go install github.com/zegl/kube-score/cmd/kube-score@$(KUBE_SCORE_VERSION)

.PHONY: helm-tools chart-topics dashboards chart-lint chart-test
helm-tools: $(HELM) $(KUBE_SCORE) ## Build helm and kube-score into .run/bin (Go toolchain; no-op once built)

dashboards: venv ## Write the chart's Grafana dashboards (helm/abri/files/dashboards) from infra/dev/dashboards.py
	$(PY) infra/dev/dashboards.py

chart-topics: ## Copy infra/kafka/topics.yaml into the chart (a test fails when the copy differs)
	cp infra/kafka/topics.yaml $(CHART)/files/topics.yaml

chart-lint: helm-tools ## helm lint with the default values and each file of helm/abri/ci (production-like, CloudNativePG, workers apart)
	$(HELM) lint $(CHART) --strict --kube-version $(KUBE_VERSION)
	for values in $(CHART)/ci/*.yaml; do $(HELM) lint $(CHART) --strict --kube-version $(KUBE_VERSION) --values $$values || exit 1; done

chart-test: venv helm-tools ## The chart's checks: lint, render, strict schema validation, kube-score, tests/helm (no cluster needed)
	$(PYTEST) -q tests/helm
