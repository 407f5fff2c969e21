"""``recouvre serve``: the web app (gunicorn), the background worker and the daily collections scheduler, together,
stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any


def serve(*, host: str, port: int, worker: bool = True, scheduler: bool = True, web_workers: int = 2) -> int:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="recouvre.settings")
    children: list[subprocess.Popen[Any]] = []
    if worker:
        children.append(subprocess.Popen([sys.executable, "-m", "recouvre.cli", "worker"], env=env))
    if scheduler:
        children.append(subprocess.Popen([sys.executable, "-m", "recouvre.cli", "scheduler"], env=env))
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "recouvre.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(web_workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ],
        env=env,
    )
    children.append(web)
    print(f"Recouvre is running on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        code = web.wait()
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
