# Every target bootstraps first (system packages, .venv), so each works on a fresh clone.
.PHONY: run test test-fast lint bench package bootstrap

ARGS ?=

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	.venv/bin/python -m app $(ARGS)

test: bootstrap
	.venv/bin/python -m pytest -n 2 $(ARGS)

# The unit tests alone (no processes, servers, Redis or models: tests/conftest.py marks the rest e2e).
test-fast: bootstrap
	.venv/bin/python -m pytest -n 2 -m "not e2e" $(ARGS)

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/vulture
	.venv/bin/mypy

bench: bootstrap
	.venv/bin/python -m bench $(ARGS)

package: bootstrap
	packaging/build.sh
