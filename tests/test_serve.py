"""`recouvre serve` starts the web app, the worker and the scheduler on a fresh data folder, and stops them all;
its web processes share the login throttling counts (they are in the database)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
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
    # A few readable lines: no line per task from the worker, no library's start-up chatter.
    assert proc.stdout is not None
    out = proc.stdout.read()
    assert "Starting worker" not in out and len(out.splitlines()) <= 10, out


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


# ------------------------------------------------------------------------------------------------ supervision

SERVE = (
    "import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recouvre.settings'); django.setup()\n"
    "from django.utils import translation\n"
    "from recouvre.serve import RestartPolicy, serve\n"
    "with translation.override('en'):\n"
    "    sys.exit(serve(host='127.0.0.1', port={port}, commands={commands!r},\n"
    "        policy=RestartPolicy(first_delay=0.2, max_delay=1, max_deaths=5, window=60)))\n"
)


def _serve(
    env: dict[str, str], log: Path, commands: dict[str, list[str]] | None = None, port: int = 0
) -> subprocess.Popen[bytes]:
    code = SERVE.format(port=port or _free_port(), commands=commands or {})
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _child(pid: int, word: str) -> int | None:
    for child in _children(pid):
        args = subprocess.run(["ps", "-o", "args=", "-p", str(child)], capture_output=True, text=True).stdout
        if word in args.split():
            return child
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return not state.startswith("Z")


def _watch_until_exit(proc: subprocess.Popen[bytes], timeout: float) -> set[int]:
    """Every child ``proc`` had while it ran, until it exited (fails after ``timeout`` s)."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        seen.update(_children(proc.pid))
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"recouvre serve still running after {timeout} s")
        time.sleep(0.1)
    return seen


def test_serve_starts_a_killed_scheduler_again(process_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from processes import wait_for

    log = tmp_path / "serve.log"
    proc = _serve(process_db.env, log)
    try:
        first = wait_for(lambda: _child(proc.pid, "scheduler"), timeout=60, what="the scheduler started")
        os.kill(first, signal.SIGKILL)
        second = wait_for(
            lambda: (pid := _child(proc.pid, "scheduler")) != first and pid, timeout=30, what="a new scheduler"
        )
        assert second != first and _alive(second)
        assert _child(proc.pid, "worker") is not None and _child(proc.pid, "gunicorn") is not None
    finally:
        proc.terminate()
        code = proc.wait(timeout=60)
    assert code == 0
    assert not _alive(second)
    out = log.read_text()
    assert "recouvre serve: the scheduler stopped (killed by signal SIGKILL); starting it again in 0.2 s." in out
    assert "Traceback" not in out, out


def test_serve_gives_up_on_a_worker_that_keeps_stopping(process_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "serve.log"
    proc = _serve(process_db.env, log, {"worker": [sys.executable, "-c", "import sys; sys.exit(3)"]})
    children = _watch_until_exit(proc, timeout=90)
    assert proc.returncode == 1
    out = log.read_text()
    stops = [line for line in out.splitlines() if line.startswith("recouvre serve: ")]
    assert stops == [
        "recouvre serve: the background worker stopped (exit code 3); starting it again in 0.2 s.",
        "recouvre serve: the background worker stopped (exit code 3); starting it again in 0.4 s.",
        "recouvre serve: the background worker stopped (exit code 3); starting it again in 0.8 s.",
        "recouvre serve: the background worker stopped (exit code 3); starting it again in 1 s.",
        "recouvre serve: the background worker stopped 5 times within 1 minute (last: exit code 3): stopping "
        "Recouvre. Its messages above tell why.",
    ]
    assert children and not [pid for pid in children if _alive(pid)]  # the web server and the scheduler stopped too


def test_serve_ends_when_the_web_server_stops(process_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from processes import wait_for

    log, port = tmp_path / "serve.log", _free_port()
    proc = _serve(process_db.env, log, port=port)
    try:
        web = wait_for(lambda: _child(proc.pid, "gunicorn"), timeout=60, what="the web server started")
        wait_for(lambda: _listening(port), timeout=60, what="the web server listening")
        wait_for(lambda: _child(proc.pid, "scheduler"), timeout=60, what="the scheduler started")
        os.kill(web, signal.SIGTERM)  # stopped by someone else: not a stop of Recouvre
        children = _watch_until_exit(proc, timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    assert "recouvre serve: the web server stopped (exit code 0): stopping Recouvre." in log.read_text()
    assert not [pid for pid in children if _alive(pid)]  # the worker and the scheduler stopped too
