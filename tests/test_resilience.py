"""The worker and the scheduler outlive a database that fails for a while: SQLite locked by another writer for
longer than the busy timeout (a large import) or its file gone, PostgreSQL dropping every connection and refusing
new ones (a server restart). Each says so in one line per failed pass, pauses 1 s, 2 s, 4 s..., works again after,
and never exits. ``/health`` answers 503 meanwhile.

Real ``recouvre worker``, ``recouvre scheduler`` and ``recouvre serve`` processes on a database of their own
(``process_db``)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from processes import RECOUVRE, ProcessDatabase, wait_for

FAST = {"RECOUVRE_HEARTBEAT_SECONDS": "0.5", "RECOUVRE_SQLITE_TIMEOUT": "0.2"}


def _latest_beat(db: ProcessDatabase, component: str) -> tuple[str, bool] | None:
    rows = db.query(
        "SELECT beat_at, failing_since IS NULL FROM operations_heartbeat "
        f"WHERE component = '{component}' ORDER BY beat_at DESC LIMIT 1"
    )
    return (str(rows[0][0]), bool(rows[0][1])) if rows else None


def _start(db: ProcessDatabase, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([RECOUVRE, *args], env=db.env | FAST, stdout=out, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.terminate()
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("did not stop within 30 s of SIGTERM") from None


def _outlives(db: ProcessDatabase, component: str, args: list[str], tmp_path: Path, *, locked: bool) -> str:
    """Start ``recouvre ARGS``, let it beat, break the database for 4 s (``locked``: SQLite locked by another
    writer, else SQLite's file gone; PostgreSQL refusing connections either way), and see it beat again; its
    output."""
    log = tmp_path / f"{component}.log"
    proc = _start(db, args, log)
    try:
        wait_for(lambda: _latest_beat(db, component), timeout=90, what=f"the {component}'s first heartbeat")
        if locked:
            with db.locked(4):
                pass
        else:
            with db.unreachable():
                time.sleep(4)
        after = _latest_beat(db, component)
        # Beating again, and not failing: the loop works again.
        wait_for(
            lambda: (beat := _latest_beat(db, component)) is not None and beat[0] != after[0] and beat[1],  # type: ignore[index]
            timeout=60,
            what=f"the {component} beating again, not failing",
        )
        assert proc.poll() is None, log.read_text()
    finally:
        code = _stop(proc)
    assert code == 0
    return log.read_text()


def test_the_worker_outlives_a_database_outage(process_db: ProcessDatabase, tmp_path: Path) -> None:
    out = _outlives(process_db, "worker", ["worker"], tmp_path, locked=True)
    assert "background worker: " in out
    assert "; trying again in 1 s (failure 1 in a row)." in out
    assert "background worker: working again after " in out
    assert "Traceback" not in out, out


def test_the_worker_runs_what_is_queued_after_an_outage(process_db: ProcessDatabase, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    proc = _start(process_db, ["worker"], log)
    try:
        wait_for(lambda: _latest_beat(process_db, "worker"), timeout=90, what="the worker's first heartbeat")
        with process_db.locked(4):
            pass
        # A send queued by the web app after the outage (for an organization gone meanwhile: nothing to send).
        enqueue = (
            "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recouvre.settings'); django.setup(); "
            "from recouvre.collections.tasks import send_due; print(send_due.enqueue(424242).id)"
        )
        task_id = subprocess.run(
            [sys.executable, "-c", enqueue], env=process_db.env, check=True, capture_output=True, text=True
        ).stdout.strip()
        status = wait_for(
            lambda: [
                r[0]
                for r in process_db.query(
                    "SELECT status FROM django_tasks_database_dbtaskresult WHERE status IN ('SUCCESSFUL', 'FAILED')"
                )
            ],
            timeout=60,
            what=f"task {task_id} run",
        )
        assert status == ["SUCCESSFUL"]
        assert proc.poll() is None, log.read_text()
    finally:
        assert _stop(proc) == 0


def test_the_scheduler_outlives_a_database_outage(process_db: ProcessDatabase, tmp_path: Path) -> None:
    out = _outlives(process_db, "scheduler", ["scheduler", "--interval", "1"], tmp_path, locked=False)
    lines = [line for line in out.splitlines() if line.startswith("scheduler: ")]
    assert any(line.endswith("; trying again in 1 s (failure 1 in a row).") for line in lines), out
    assert any(line.startswith("scheduler: working again after ") for line in lines), out
    assert "Traceback" not in out, out


def test_the_scheduler_from_cron_says_what_failed_and_exits_1(process_db: ProcessDatabase, tmp_path: Path) -> None:
    with process_db.unreachable():
        started = time.monotonic()
        done = subprocess.run(
            [RECOUVRE, "scheduler", "--once", "--interval", "600"],
            env=process_db.env | FAST,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert time.monotonic() - started < 120
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    ok = subprocess.run(
        [RECOUVRE, "scheduler", "--once", "--interval", "600"],
        env=process_db.env | FAST,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    [(interval, failing)] = process_db.query(
        "SELECT interval_seconds, failing_since FROM operations_heartbeat WHERE component = 'scheduler'"
    )
    assert (interval, failing) == (600.0, None)


def _get(url: str) -> tuple[int, dict[str, object]]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_health_answers_503_while_the_database_does_not_answer(process_db: ProcessDatabase, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    proc = _start(process_db, ["serve", "--no-worker", "--no-scheduler", "--port", str(port)], log)
    url = f"http://127.0.0.1:{port}/health"
    try:
        status, body = wait_for(lambda: _try_get(url), timeout=90, what="the web app answering")
        assert (status, body["status"], body["database"]) == (
            200,
            "degraded",
            {"ok": True, "vendor": process_db.vendor},
        )
        with process_db.unreachable():
            status, body = _get(url)
        assert status == 503
        assert body["status"] == "error" and set(body) == {"status", "checked_at", "database"}
        assert body["database"] in (
            {"ok": False, "error": "OperationalError"},
            {"ok": False, "error": "InterfaceError"},
        )
        status, body = wait_for(lambda: (answer := _get(url))[0] == 200 and answer, timeout=30, what="200 again")
        assert body["database"]["ok"] is True
    finally:
        assert _stop(proc) == 0


def _try_get(url: str) -> tuple[int, dict[str, object]] | None:
    try:
        return _get(url)
    except OSError:  # not listening yet
        return None


def test_a_worker_started_before_its_database_answers_waits_for_it(process_db: ProcessDatabase, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    with process_db.unreachable():
        proc = _start(process_db, ["worker"], log)
        try:
            wait_for(lambda: "(failure 2 in a row)" in log.read_text(), timeout=90, what="two failed tries")
            assert proc.poll() is None, log.read_text()
        except BaseException:
            _stop(proc)
            raise
    try:
        wait_for(lambda: _latest_beat(process_db, "worker"), timeout=90, what="the worker's first heartbeat")
        assert proc.poll() is None
    finally:
        assert _stop(proc) == 0
    out = log.read_text()
    assert "background worker: working again after " in out and "Traceback" not in out, out
