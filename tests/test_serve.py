"""`recouvre serve` starts the web app, the worker and the scheduler on a fresh data folder, and stops them all."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_serve_runs_web_and_worker_then_stops(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUVRE_")}
    env["RECOUVRE_DATA_DIR"] = str(tmp_path)
    recouvre = Path(sys.executable).with_name("recouvre")
    proc = subprocess.Popen(
        [str(recouvre), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as resp:
                    body = resp.read().decode()
                    final_url = resp.geturl()
                break
            except (urllib.error.URLError, OSError):  # not listening yet, or its first answer slow on a busy machine
                time.sleep(0.5)
        else:
            pytest.fail("the web app did not answer within 60 s")
        assert "/login" in final_url  # anonymous visitors land on the login page
        assert "<form" in body
        assert (tmp_path / "recouvre.sqlite3").exists()
        worker_cmds = [
            subprocess.run(["ps", "-o", "args=", "-p", str(c)], capture_output=True, text=True).stdout
            for c in _children(proc.pid)
        ]
        assert any("worker" in c for c in worker_cmds), worker_cmds
        assert any("scheduler" in c for c in worker_cmds), worker_cmds
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("recouvre serve did not stop within 30 s of SIGTERM")
    assert _children(proc.pid) == []
