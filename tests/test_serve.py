"""`recouvre serve` starts the web app, the worker and the scheduler on a fresh data folder, and stops them all;
its web processes share the login throttling counts (they are in the database)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
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
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    body = resp.read().decode()
                    final_url = resp.geturl()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):  # still starting (a busy machine)
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


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _log_in(base: str, username: str, password: str) -> tuple[str, str]:
    """Open the login page, post the form (a new connection each time); the final address and the page."""
    opener, _jar = _opener()
    with opener.open(f"{base}/accounts/login/", timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token is not None
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/", "Accept-Language": "en"}
    )
    with opener.open(request, timeout=10) as answer:
        return answer.geturl(), answer.read().decode()


def test_two_web_processes_share_the_lock(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUVRE_")}
    env["RECOUVRE_DATA_DIR"] = str(tmp_path)
    env["RECOUVRE_LANGUAGE"] = "en"
    recouvre = Path(sys.executable).with_name("recouvre")
    created = subprocess.run(
        [str(recouvre), "createuser", "claire", "--password", "correct horse battery"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    proc = subprocess.Popen(
        [str(recouvre), "serve", "--port", str(port), "--web-workers", "2", "--no-worker", "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):  # still starting (a busy machine)
                time.sleep(0.5)
        else:
            pytest.fail("the web app did not answer within 60 s")
        for attempt in range(8):
            url, page = _log_in(base, "claire", f"guess {attempt}")
            assert url.endswith("/accounts/login/")
        url, page = _log_in(base, "claire", "correct horse battery")
        assert url.endswith("/accounts/login/")
        assert "Too many failed logins: logging in is locked for 15 minutes" in page
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert _children(proc.pid) == []
