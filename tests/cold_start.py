#!/usr/bin/env python3
"""The field app's cold start on a release build: from asking tauri-driver
for a session (which launches the app) to the first screen drawn
([data-screen] in the page), over several launches, each with a fresh data
folder (the first-run screen). Prints each figure and the median, with the
wasm bundle's size, and writes them to artifacts/cold-start.json. The goal
(issue 17): under 1 s.

Run by scripts/cold-start.sh after a release build of gocua-app:
    xvfb-run -a -s "-screen 0 1280x900x24" python3 tests/cold_start.py [runs]
"""

import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_e2e import Procs, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = Path(os.environ.get("GOCUA_APP_BIN", ROOT / "target" / "release" / "gocua-app"))
GOAL_S = 1.0


def wait_port(port):
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"cold-start: nothing listens on {port}")


def one_launch(tmp, n):
    """Seconds from the session request to the first screen."""
    procs = Procs()
    port, native = free_port(), free_port()
    env = dict(os.environ, GOCUA_APP_DATA=str(tmp / f"app{n}"))
    try:
        procs.start(["tauri-driver", "--port", str(port), "--native-port", str(native)],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)
        wait_port(native)
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(APP)})
        t0 = time.monotonic()
        driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=opts)
        try:
            WebDriverWait(driver, 60).until(
                EC.presence_of_element_located((By.CSS_SELECTOR, "[data-screen]")))
            return time.monotonic() - t0
        finally:
            driver.quit()
    finally:
        procs.stop_all()


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not APP.exists():
        raise SystemExit(f"cold-start: {APP} is not built (cargo build --release -p gocua-app)")
    wasm = ROOT / "ui" / "dist" / "gocua_ui_bg.wasm"
    tmp = Path(tempfile.mkdtemp(prefix="gocua-cold-"))
    try:
        times = []
        for n in range(runs):
            s = one_launch(tmp, n)
            times.append(round(s, 3))
            print(f"cold-start: launch {n + 1}: {s:.3f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures = {
        "app": str(APP.relative_to(ROOT)) if APP.is_relative_to(ROOT) else str(APP),
        "runs_s": times,
        "min_s": min(times),
        "median_s": statistics.median(times),
        "max_s": max(times),
        "wasm_bytes": wasm.stat().st_size,
        "wasm_gzip_bytes": len(gzip.compress(wasm.read_bytes(), 9)),
    }
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "cold-start.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"cold-start: {json.dumps(figures)}")
    ok = figures["median_s"] < GOAL_S
    print(f"cold-start: median {figures['median_s']:.3f} s, goal < {GOAL_S} s: "
          + ("met" if ok else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
