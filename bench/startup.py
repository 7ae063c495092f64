"""Cold start of the TUI to the first interactive Home frame, headless, against `import textual.app`.

Each run is a fresh interpreter that does what `quizapp` does (load settings, `make_app` with the built-in
bank, the parsed-bank cache and a database in a temporary folder) and runs the app headless with an
autopilot hook. The hook waits until the Home screen is mounted with its topic table filled and every
message pending on the screen handled, renders that screen once into terminal output (the headless driver
skips this step), records `time.perf_counter()` and exits. `perf_counter` is CLOCK_MONOTONIC on Linux,
shared by all processes, so the parent also gets the time from spawning the child, interpreter start-up
included; the baseline is `python -c "import textual.app"` timed the same way. Median of 5 runs each,
after an untimed warm-up that compiles bytecode into the temporary folder.

Also reports whether scikit-learn is imported by the time Home is ready, and which quizapp module (if
any) imports it when every quizapp module is imported.

The usual start is warm: the database exists and the cache holds the bank; `with_settings_file_*` is the
same start with a settings file (checked once, then remembered). A first start ever (`cold_*`: a new
database and an empty cache folder each run, so the bank is parsed and validated and every migration
runs) is timed the same way, alternated with the others.

Budget (DESIGN.md §8): <= 0.5 s, and <= 1.8x the time to import textual.app (first start ever: <= 2.5x).
Also reported: when Home's counts (made in a worker, behind a loading state) are on screen.

Usage: python bench/startup.py [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 0.5
BUDGET_RATIO = 1.8  # DESIGN.md §8 (issue 12; was 3x)
COLD_BUDGET_RATIO = 2.5  # the first start ever (issue 12)

APP_CHILD = """
import time
t_start = time.perf_counter()
import asyncio, json, sys
from quizapp.content.bank import content_dirs
from quizapp.content.cache import FileCache, default_cache_file
from quizapp.settings import load_settings
from quizapp.tui.app import make_app
from quizapp.tui.screens.home import HomeScreen
from textual.widgets import DataTable
t_imported = time.perf_counter()
settings, _ = load_settings()
cache_file = default_cache_file()  # QUIZAPP_CACHE: as `quizapp` does it
app = make_app(content_dirs(()), sys.argv[1], settings, cache=FileCache(cache_file) if cache_file else None)
t_made = time.perf_counter()
marks = {}

async def until_home(pilot):
    marks["ready_hook"] = time.perf_counter()
    # Poll (1 ms) rather than pilot.pause(), which sleeps in 20 ms slices until the process looks idle.
    while not (isinstance(app.screen, HomeScreen) and app.screen.is_mounted
               and app.screen.query_one(DataTable).row_count):
        await asyncio.sleep(0.001)
    await pilot._wait_for_screen()  # every message queued by mounting Home is handled
    marks["home_ready"] = time.perf_counter()
    # What the terminal driver would write for this frame (the headless driver writes nothing).
    frame = app.screen._compositor.render_update(full=True).render_segments(app.console)
    marks["frame"] = time.perf_counter()
    marks["frame_chars"] = len(frame)
    marks["home_rows"] = app.screen.query_one(DataTable).row_count
    # Home counts the store in a worker: the frame above may show its loading state; this is when the
    # counts are on screen too.
    while not app.screen.counted:
        await asyncio.sleep(0.001)
    await pilot._wait_for_screen()
    marks["counted"] = time.perf_counter()
    app.exit()

app.run(headless=True, size=(100, 30), auto_pilot=until_home)
t_exit = time.perf_counter()
print(json.dumps({"start": t_start, "imported": t_imported, "made": t_made, **marks, "exited": t_exit,
                  "sklearn": "sklearn" in sys.modules, "numpy": "numpy" in sys.modules,
                  "modules": len(sys.modules), "topics": len(app.bank.topics), "cards": len(app.bank.cards)}))
"""

# A user's settings file as the Settings screen writes it: a theme, a key, limits.
SETTINGS_FILE = """\
new_per_day = 30
desired_retention = 0.88
theme = "nord"

[keymap]
"study.good" = "3,g"
"""

IMPORT_CHILD = """
import time
t_start = time.perf_counter()
import textual.app
t_imported = time.perf_counter()
import json
print(json.dumps({"start": t_start, "imported": t_imported}))
"""

# Imports every quizapp module with a finder that notes who asks for sklearn first.
SKLEARN_CHILD = """
import importlib, json, pkgutil, sys, traceback
import quizapp

importers = {}

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name == "sklearn" or name.startswith("sklearn."):
            for frame in reversed(traceback.extract_stack()[:-1]):
                if "/quizapp/" in frame.filename and "importlib" not in frame.filename:
                    importers.setdefault(frame.filename.split("/quizapp/", 1)[1], frame.lineno)
                    break
        return None

sys.meta_path.insert(0, Spy())
failed = {}
for info in pkgutil.walk_packages(quizapp.__path__, "quizapp."):
    try:
        importlib.import_module(info.name)
    except Exception as error:
        failed[info.name] = repr(error)
print(json.dumps({"sklearn_imported": "sklearn" in sys.modules, "importers": importers, "failed": failed}))
"""


def child_env(home: Path) -> dict[str, str]:
    """The environment of a child: no user content, config or data folders reachable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    env.update(XDG_CACHE_HOME=str(home / "cache"), XDG_STATE_HOME=str(home / "state"))
    env.update(QUIZAPP_DB=str(home / "quizapp.db"), QUIZAPP_SETTINGS=str(home / "settings.toml"))
    # Bytecode goes to the temporary folder (written by an untimed warm-up run), never next to the sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def run_child(code: str, env: dict[str, str], *args: str) -> dict:
    spawned = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=60,
    )
    ended = time.perf_counter()
    if out.returncode != 0:
        sys.exit(f"benchmark child failed ({out.returncode}):\n{out.stderr}")
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    return {**json.loads(lines[-1]), "spawned": spawned, "ended": ended}


def median_of(runs: list[dict], later: str, earlier: str) -> float:
    return statistics.median(run[later] - run[earlier] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs of each instead of 5")
    parser.add_argument("--runs", type=int, default=None, help="timed runs of each (default 5, quick 2)")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)

    with tempfile.TemporaryDirectory(prefix="quizapp-bench-startup-") as tmp:
        home = Path(tmp)
        env = child_env(home)
        db = str(home / "quizapp.db")
        run_child(APP_CHILD, env, db)  # warm-up: bytecode, the database file and the cache now exist
        run_child(IMPORT_CHILD, env)
        settings_env = {**env, "QUIZAPP_SETTINGS": str(home / "user-settings.toml")}
        (home / "user-settings.toml").write_text(SETTINGS_FILE, encoding="utf-8")
        run_child(APP_CHILD, settings_env, db)  # warm-up: the checked settings are remembered
        app_runs, import_runs, cold_runs, settings_runs = [], [], [], []
        for run in range(runs):  # alternate, so a noisy neighbour hits all alike
            app_runs.append(run_child(APP_CHILD, env, db))
            import_runs.append(run_child(IMPORT_CHILD, env))
            settings_runs.append(run_child(APP_CHILD, settings_env, db))
            cold_env = {**env, "QUIZAPP_CACHE": str(home / f"cold-cache-{run}")}
            cold_runs.append(run_child(APP_CHILD, cold_env, str(home / f"cold-{run}.db")))
        spy = run_child(SKLEARN_CHILD, env)

    startup_s = median_of(app_runs, "frame", "spawned")
    import_s = median_of(import_runs, "imported", "spawned")
    ratio = startup_s / import_s
    cold_s = median_of(cold_runs, "frame", "spawned")
    settings_s = median_of(settings_runs, "frame", "spawned")
    last = app_runs[-1]
    ms = {
        "interpreter_start": median_of(app_runs, "start", "spawned"),
        "imports": median_of(app_runs, "imported", "start"),
        "make_app_load_bank_open_db": median_of(app_runs, "made", "imported"),
        "app_run_to_ready_hook": median_of(app_runs, "ready_hook", "made"),
        "ready_hook_to_home_ready": median_of(app_runs, "home_ready", "ready_hook"),
        "render_first_frame": median_of(app_runs, "frame", "home_ready"),
        "frame_to_counts_shown": median_of(app_runs, "counted", "frame"),
    }
    report = {
        "benchmark": "startup",
        "quick": args.quick,
        "runs": runs,
        "bank": {"topics": last["topics"], "cards": last["cards"], "home_rows": last["home_rows"]},
        "startup_s": round(startup_s, 3),
        "startup_runs_s": [round(r["frame"] - r["spawned"], 3) for r in app_runs],
        "startup_in_child_s": round(median_of(app_runs, "frame", "start"), 3),
        "import_textual_app_s": round(import_s, 3),
        "import_textual_app_runs_s": [round(r["imported"] - r["spawned"], 3) for r in import_runs],
        "import_textual_app_in_child_s": round(median_of(import_runs, "imported", "start"), 3),
        "ratio_to_import": round(ratio, 2),
        "with_settings_file_startup_s": round(settings_s, 3),
        "with_settings_file_ratio_to_import": round(settings_s / import_s, 2),
        "cold_startup_s": round(cold_s, 3),
        "cold_ratio_to_import": round(cold_s / import_s, 2),
        "cold_make_app_ms": round(median_of(cold_runs, "made", "imported") * 1000, 1),
        "counts_shown_s": round(median_of(app_runs, "counted", "spawned"), 3),
        "counts_shown_ratio_to_import": round(median_of(app_runs, "counted", "spawned") / import_s, 2),
        "phases_ms": {k: round(v * 1000, 1) for k, v in ms.items()},
        "exit_after_frame_ms": round(median_of(app_runs, "exited", "frame") * 1000, 1),
        "modules_loaded_at_home": last["modules"],
        "numpy_imported_at_home": last["numpy"],
        "sklearn_imported_at_home": last["sklearn"],
        "sklearn_imported_by_any_quizapp_module": spy["sklearn_imported"],
        "quizapp_modules_importing_sklearn": spy["importers"],
        "quizapp_modules_failing_to_import": spy["failed"],
        "budget_s": BUDGET_S,
        "budget_ratio_to_import": BUDGET_RATIO,
        "budget_cold_ratio_to_import": COLD_BUDGET_RATIO,
        "within_budget": startup_s <= BUDGET_S
        and ratio <= BUDGET_RATIO
        and cold_s / import_s <= COLD_BUDGET_RATIO
        and not last["sklearn"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
