"""Build the test-only extension modules of tests/native in place.

    python tests/native/build.py [--force]

Each tests/native/<name>.pyx becomes the module native.<name>, a .so next to
its source (git-ignored, like the generated C under build/native-tests/).
They are compiled the way setup.py compiles the engine (its CFLAGS and
MACROS, RKVD_DEBUG included) against the .pxd files of rkvd/_core, and link
to the installed engine modules at import through Cython's C-API capsules.

ensure_built() rebuilds only what is stale: a module whose .so is missing
or older than its .pyx or any .pxd under rkvd/_core, or every module when
setup.py, this file, RKVD_DEBUG or the Python changed since the last build.
The check needs neither Cython nor setuptools; the build itself runs in a
child process (this file with --compile) under a file lock, so concurrent
pytest runs in one tree build once and never load a half-written .so.
"""
from __future__ import annotations

import ast
import fcntl
import hashlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

NATIVE = Path(__file__).resolve().parent
REPO_ROOT = NATIVE.parent.parent
CORE = REPO_ROOT / "rkvd" / "_core"
SETUP_PY = REPO_ROOT / "setup.py"
WORK = REPO_ROOT / "build" / "native-tests"
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
MODULES = sorted(p.stem for p in NATIVE.glob("*.pyx"))


class BuildError(RuntimeError):
    """The test extension did not build; the message carries the output."""


def module_path(name: str) -> Path:
    return NATIVE / f"{name}{SUFFIX}"


def _settings_key() -> str:
    # everything besides the sources that changes what a build produces
    h = hashlib.sha256()
    for part in (SETUP_PY.read_bytes(), Path(__file__).read_bytes(),
                 os.environ.get("RKVD_DEBUG", "").encode(), sys.version.encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _stamp() -> Path:
    return WORK / f"settings{SUFFIX.rsplit('.', 1)[0]}.key"


def stale_modules() -> list[str]:
    """The modules that need building now."""
    stamp = _stamp()
    if not stamp.exists() or stamp.read_text() != _settings_key():
        return list(MODULES)
    pxd = max((p.stat().st_mtime for p in CORE.rglob("*.pxd")), default=0.0)
    stale = []
    for name in MODULES:
        so = module_path(name)
        newest = max(pxd, (NATIVE / f"{name}.pyx").stat().st_mtime)
        if not so.exists() or so.stat().st_mtime < newest:
            stale.append(name)
    return stale


def ensure_built(force: bool = False, verbose: bool = False) -> list[str]:
    """Build the stale modules (all with force); returns the names built.
    Raises BuildError with the compiler's output when the build fails."""
    if not force and not stale_modules():
        return []
    WORK.mkdir(parents=True, exist_ok=True)
    with open(WORK / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)     # released when the file closes
        todo = list(MODULES) if force else stale_modules()   # another run may have built them
        if not todo:
            return []
        key = _settings_key()
        proc = subprocess.run(
            [sys.executable, str(Path(__file__)), "--compile", *todo], cwd=REPO_ROOT,
            stdout=None if verbose else subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            _stamp().unlink(missing_ok=True)
            raise BuildError(
                f"building the test extension (tests/native: {', '.join(todo)}) failed; "
                f"it needs Cython and a C compiler (pip install -e '.[test]'). "
                f"Output of {Path(__file__).relative_to(REPO_ROOT)} --compile:\n{proc.stdout or ''}")
        _stamp().write_text(key)
        return todo


# ------------------------------------------------------ the child's side --

def setup_py_settings() -> dict:
    """setup.py's module-level names (CFLAGS, MACROS, DEBUG, ...): its body
    run without the setup() call, so the flags have one home."""
    tree = ast.parse(SETUP_PY.read_text(), str(SETUP_PY))
    tree.body = [node for node in tree.body
                 if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                         and getattr(node.value.func, "id", None) == "setup")]
    names = {"__name__": "rkvd_setup_settings", "__file__": str(SETUP_PY)}
    exec(compile(tree, str(SETUP_PY), "exec"), names)
    return names


def _compile(names: list[str]) -> None:
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    settings = setup_py_settings()
    # setup.py's compiler directives (they live inside its extensions())
    directives = {"language_level": "3", "embedsignature": False}
    if settings["DEBUG"]:
        directives.update(linetrace=True, binding=True)
    exts = [
        Extension(
            f"native.{name}",
            [str((NATIVE / f"{name}.pyx").relative_to(REPO_ROOT))],
            include_dirs=[str(CORE.relative_to(REPO_ROOT))],
            extra_compile_args=settings["CFLAGS"],
            define_macros=settings["MACROS"],
        )
        for name in names
    ]
    exts = cythonize(exts, compiler_directives=directives, include_path=[str(REPO_ROOT)],
                     build_dir=str(WORK / "c"), force=True, quiet=True)
    dist = Distribution({"name": "rkvd-native-tests", "ext_modules": exts})
    cmd = dist.get_command_obj("build_ext")
    cmd.build_lib = str(WORK / "lib")
    cmd.build_temp = str(WORK / "temp")
    cmd.force = True
    cmd.parallel = os.cpu_count() or 1
    cmd.ensure_finalized()
    cmd.run()
    # into place by rename: a process that has the old .so loaded keeps it
    for name in names:
        os.replace(WORK / "lib" / "native" / f"{name}{SUFFIX}", module_path(name))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--compile"]:
        _compile(argv[1:])
        return 0
    if argv not in ([], ["--force"]):
        print("usage: python tests/native/build.py [--force]", file=sys.stderr)
        return 2
    try:
        built = ensure_built(force=bool(argv), verbose=True)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"built: {', '.join(built)}" if built else "up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
