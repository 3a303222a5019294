"""The house's shape: every module of app/ imports on its own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A parent interpreter loads the third-party libraries once (never a module of app/), then forks one
# child per module, two at a time: each child starts with no app module loaded, so an import cycle
# shows exactly as in `python -c "import app.x"`, at a fraction of the cost of a fresh interpreter.
_RUNNER = r"""
import os, sys
import flask, flask_babel, flask_login, flask_wtf, flask_socketio, sqlalchemy, wtforms  # noqa: F401
assert not any(m == "app" or m.startswith("app.") for m in sys.modules)
modules = sys.argv[1:]
running = {}
failed = []

def reap():
    pid, status = os.wait()
    if os.waitstatus_to_exitcode(status) != 0:
        failed.append(running[pid])
    del running[pid]

for module in modules:
    while len(running) >= 2:
        reap()
    pid = os.fork()
    if pid == 0:
        try:
            __import__(module)
        except BaseException as exc:
            sys.stderr.write(f"{module}: {type(exc).__name__}: {exc}\n")
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)
    running[pid] = module
while running:
    reap()
sys.exit(1 if failed else 0)
"""


def app_modules() -> list[str]:
    """Every module under app/, packages included, as dotted names."""
    names = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def modules_failing_alone() -> list[str]:
    done = subprocess.run([sys.executable, "-c", _RUNNER, *app_modules()], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    return sorted(line for line in done.stderr.splitlines() if line.startswith("app"))


def test_every_module_of_the_app_imports_on_its_own():
    failures = modules_failing_alone()
    assert not failures, "\n".join(failures)


if __name__ == "__main__":
    print("\n".join(modules_failing_alone()))
