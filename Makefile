# The two commands of the README: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SAM_VENV := .cache/sam
SAM    := $(SAM_VENV)/bin/sam

.PHONY: run test lint format check-aws bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing the project into $(VENV) (first run only)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(STAMP)
	@$(BIN)/cinema serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml
	$(BIN)/python -m pytest --cov --cov-report=term --cov-fail-under=85

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(SAM):
	@mkdir -p .cache
	@echo "installing aws-sam-cli into $(SAM_VENV) (it pins its own boto3/pydantic)"
	@$(PYTHON) -m venv $(SAM_VENV)
	@$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli

# No AWS credentials needed (sam build only fetches wheels from the package index); no telemetry.
# Cached, parallel build per samconfig.toml; deploy reads the built template from .cache/sam-build.
check-aws: $(SAM)
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region eu-central-1
	SAM_CLI_TELEMETRY=0 $(SAM) build --region eu-central-1 --build-dir .cache/sam-build

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

clean:
	rm -rf .cache/sam-build .pytest_cache .coverage htmlcov
