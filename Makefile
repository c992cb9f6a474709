# The two commands of the README: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# pytest workers of `make test` (pytest-xdist, whole modules per worker): each starts its own
# PostgreSQL, Redis and S3 on free ports. Fixed, not `auto`: a container may report the host's
# CPUs while it gets two. One worker when the tests are given a database or Redis to share.
TEST_WORKERS ?= $(if $(CINEMA_TEST_DATABASE_URL)$(CINEMA_TEST_REDIS_URL),1,2)
SAM_VENV := .cache/sam
SAM    := $(SAM_VENV)/bin/sam

NPM    ?= npm
# The web app (web/): rebuilt when any of its sources changed, installed when its lock changed.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json \
	web/vite.config.ts web/tsconfig.json web/tsconfig.app.json web/tsconfig.node.json
WEB_MODULES := web/node_modules/.package-lock.json
WEB_DIST    := web/dist/index.html

.PHONY: live-ingest run test lint format check-aws bench clean web web-api web-check audit audit-python audit-web

# setuptools too: a new venv carries the setuptools its Python bundles (65.5 for 3.11, with known
# vulnerabilities), which `pip install -e` would not replace.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing the project into $(VENV) (first run only)"
	@$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(WEB_MODULES): web/package-lock.json
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_DIST): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && $(NPM) run build
	@touch $@

web: $(WEB_DIST)

# The web app's client types, generated from the API's own OpenAPI (a test fails when stale).
web-api: $(STAMP) $(WEB_MODULES)
	$(BIN)/cinema openapi --out web/openapi.json
	cd web && $(NPM) run gen:api

# `make run` builds the web app when Node.js is there; without it the API still starts.
run: $(STAMP)
	@if command -v $(NPM) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory web || echo "!! the web app did not build (see above): the API starts without it"; \
	else \
		echo "!! Node.js 20+ with npm is not installed: the API starts without the web app."; \
		echo "!! Install it (Debian: apt-get install nodejs npm), then run 'make run' again."; \
	fi
	@$(MAKE) --no-print-directory live-ingest
	@$(BIN)/cinema serve

# Live broadcasts need nginx with the rtmp module: on Debian/Ubuntu as root it is installed here
# (its packaged service kept from starting, as .ci/run does); elsewhere `cinema serve` says how.
live-ingest:
	@if [ ! -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing nginx + libnginx-mod-rtmp (live broadcasts)"; \
		made=; [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made=1; }; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx libnginx-mod-rtmp >/dev/null \
			|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx libnginx-mod-rtmp >/dev/null; } \
			|| echo "!! could not install nginx + libnginx-mod-rtmp: the platform starts without live"; \
		[ -z "$$made" ] || rm -f /usr/sbin/policy-rc.d; \
	fi

# Lint, types, unit tests and a production build of the web app; the browser tests run in pytest.
web-check: $(WEB_MODULES)
	cd web && $(NPM) run lint && $(NPM) run typecheck && $(NPM) test && $(NPM) run build

test: $(STAMP) web-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not alone" --cov --cov-report=
	$(BIN)/python -m pytest -m alone --cov --cov-append --cov-report=term --cov-fail-under=85

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(SAM):
	@mkdir -p .cache
	@echo "installing aws-sam-cli into $(SAM_VENV) (it pins its own boto3/pydantic)"
	@$(PYTHON) -m venv $(SAM_VENV)
	@$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli

# The serverless rules for cfn-lint go into the SAM CLI's venv, beside the cfn-lint it pins (they
# need cfn-lint >= 1.57, < 2). checkov pins its own boto3 (1.35) and packaging (< 24), which
# conflict with .venv's: it gets a venv of its own. Both pinned: a new release brings new checks.
CFN_LINT_SERVERLESS := $(SAM_VENV)/.cfn-lint-serverless-0.3.6
CHECKOV_VENV := .cache/checkov
CHECKOV      := $(CHECKOV_VENV)/bin/checkov
CHECKOV_PIN  := checkov==3.3.30
AWS_TEMPLATES := template.yaml infra/waf.yaml

$(CFN_LINT_SERVERLESS): $(SAM)
	@$(SAM_VENV)/bin/python -m pip install --quiet 'cfn-lint-serverless==0.3.6'
	@touch $@

$(CHECKOV):
	@mkdir -p .cache
	@echo "installing $(CHECKOV_PIN) into $(CHECKOV_VENV) (it pins its own boto3/packaging)"
	@$(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet '$(CHECKOV_PIN)'

# No AWS credentials needed (sam build only fetches wheels from the package index); no telemetry.
# 1. cfn-lint with the serverless rules (cfn-lint-serverless) and `sam validate --lint`: clean.
# 2. checkov on the templates: no failed check; each suppression is a skip with its reason in the
#    resource's Metadata (checkov: skip: id / comment). --skip-download: offline, no guidelines.
# 3. Cached, parallel build per samconfig.toml; deploy reads the built template from .cache/sam-build.
# 4. infra/check_layer.py fails if a layer ships the one-machine stack and prints the sizes: each
#    layer unzipped, each function's package, and function + layers against Lambda's 250 MB.
check-aws: $(SAM) $(CFN_LINT_SERVERLESS) $(CHECKOV)
	$(SAM_VENV)/bin/cfn-lint -a cfn_lint_serverless.rules -- $(AWS_TEMPLATES)
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region eu-central-1
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation $(addprefix -f ,$(AWS_TEMPLATES))
	SAM_CLI_TELEMETRY=0 $(SAM) build --region eu-central-1 --build-dir .cache/sam-build
	$(SAM_VENV)/bin/python infra/check_layer.py --import-handlers --bytecode .cache/sam-build

# Publishes the web app: a clean install and production build of web/, then infra/deploy_web.py
# syncs web/dist into the web bucket (assets/ immutable for a year, the other files no-cache,
# stale files deleted last) and invalidates /index.html and / on the distribution. Bucket and
# distribution come from the stack outputs (stack and region of samconfig.toml's CONFIG_ENV), or
# from WEB_BUCKET= and DISTRIBUTION_ID=. Needs AWS credentials (environment, AWS_PROFILE, SSO).
CONFIG_ENV ?= default
.PHONY: deploy-web
deploy-web: $(STAMP)
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund && npm run build
	$(BIN)/python infra/deploy_web.py --dist web/dist --config-env $(CONFIG_ENV) \
		$(if $(WEB_BUCKET),--bucket $(WEB_BUCKET)) $(if $(DISTRIBUTION_ID),--distribution-id $(DISTRIBUTION_ID))

# Known vulnerabilities in what ships (needs the package index: never part of `make test`).
# audit-python: the Lambda layer's set and .venv's, pinned and audited by infra/audit.py (pip-audit);
# findings and unauditable pins pass only with a written reason in infra/audit-ignore.txt.
# audit-web: the web app's runtime dependencies (npm audit --omit=dev) against the registry.
audit: audit-python audit-web

audit-python: $(STAMP)
	$(BIN)/python infra/audit.py

audit-web: $(WEB_MODULES)
	cd web && $(NPM) audit --omit=dev

clean:
	rm -rf .cache/sam-build .pytest_cache .coverage htmlcov
