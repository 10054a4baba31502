# Developer shortcuts. The lock keeps concurrent in-place builds from racing.
PY ?= python3

build:
	flock .build.lock $(PY) setup.py -q build_ext --inplace -j 2

test: build
	$(PY) -m pytest -q tests

clean:
	rm -rf build rkvd/_core/*.c rkvd/_core/*.so rkvd/_core/*.html

.PHONY: build test clean
