.PHONY: demo test setup
# The two commands (see README.md).
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
setup:
	bash scripts/bootstrap.sh
