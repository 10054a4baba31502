"""The sources stay clean under ruff (Python) and cython-lint (Cython).

Both are configured in pyproject.toml. cython-lint reads the .pyx/.pxi
files; the .pxd declarations are checked by the compiler itself.
"""
import os
import subprocess
import sys
from pathlib import Path

import support

BIN = Path(sys.executable).parent


def _run(*argv):
    # cython-lint runs pycodestyle as a program: the venv's bin goes first on PATH
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(argv, cwd=support.REPO_ROOT, env=env, capture_output=True, text=True)


def test_ruff_is_clean():
    r = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_cython_lint_is_clean():
    files = subprocess.run(["git", "ls-files", "rkvd/_core/*.pyx", "rkvd/_core/*.pxi", "tests/native/*.pyx"],
                           cwd=support.REPO_ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert files, "no Cython sources found"
    r = _run(str(BIN / "cython-lint"), *files)
    assert r.returncode == 0 and not r.stderr.strip(), r.stdout + r.stderr
