# The two commands of the README's quick start. Both install what is missing first
# (scripts/bootstrap.sh: Debian packages and npm ci), so they work on a fresh machine.
.PHONY: demo test bench

demo:
	@bash scripts/bootstrap.sh
	@node bin/run.js demo

test:
	@bash scripts/bootstrap.sh
	@npm test --silent

bench:
	@bash scripts/bootstrap.sh
	@bash bench/run.sh
