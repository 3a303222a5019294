"""The house's shape: every module of app/ imports on its own, and the benchmarks still run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


# Benchmarks that finish in seconds at their smallest sizes, on SQLite, with no server of their own.
BENCH_RUNS = {
    "agenda_list.py": ["--rows", "50", "--requests", "3"],
    "plan_export.py": ["--projects", "2", "--meetings", "2", "--formats", "html"],
}
# The rest need PostgreSQL, Redis or several minutes (tally's pabutools side): their arguments still parse.
BENCH_HELP = ["cast.py", "fanout.py", "registration_race.py", "tally.py"]
# Servers that bench/cast.py starts under gunicorn: nothing to run alone, but they must import.
BENCH_APPS = ["bare_app", "floor_app"]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def test_every_benchmark_is_accounted_for():
    scripts = {p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(BENCH_RUNS) | set(BENCH_HELP) | {f"{name}.py" for name in BENCH_APPS}


@pytest.mark.parametrize("script", sorted(BENCH_RUNS))
def test_the_benchmark_runs_at_its_smallest_size(script):
    done = _run([f"bench/{script}", *BENCH_RUNS[script]])
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("script", BENCH_HELP)
def test_the_benchmark_that_needs_a_server_still_parses_its_arguments(script):
    done = _run([f"bench/{script}", "--help"])
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_benchmark_servers_import():
    done = _run(["-c", "import sys; sys.path[:0] = ['bench', '.']; " + "; ".join(f"import {n}" for n in BENCH_APPS)])
    assert done.returncode == 0, done.stderr[-2000:]


if __name__ == "__main__":
    print("\n".join(modules_failing_alone()))
