# Every target bootstraps first (system packages, .venv), so each works on a fresh clone.
.PHONY: run test lint bench package bootstrap

ARGS ?=

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	.venv/bin/python -m app $(ARGS)

test: bootstrap
	.venv/bin/python -m pytest -n 2 $(ARGS)

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/vulture
	.venv/bin/mypy

bench: bootstrap
	.venv/bin/python -m bench $(ARGS)

package: bootstrap
	packaging/build.sh
