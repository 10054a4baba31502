# Developer shortcuts. The lock keeps concurrent in-place builds from racing.
PY ?= python3

build:
	flock .build.lock $(PY) setup.py -q build_ext --inplace -j 2

test: build
	$(PY) -m pytest -q tests

clean:
	rm -rf build
	find rkvd/_core tests/native \( -name "*.c" -o -name "*.so" -o -name "*.html" \) -delete

.PHONY: build test clean
