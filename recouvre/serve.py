"""``recouvre serve``: the web app (gunicorn), the background worker and the daily collections scheduler, together,
stopped together, watched.

- A worker or scheduler that stops (whatever its exit code) is started again after a pause: 1 s, then 2 s, 4 s...
  up to 60 s while it keeps stopping; a process that ran a minute or more starts again after 1 s. Each stop is one
  line on standard error.
- One that stops ``max_deaths`` times (5) within ``window`` (5 minutes) is not started again: ``serve`` stops
  everything and exits 1, saying which and why. Something is wrong that starting it again does not mend
  (configuration, database): the exit lets a service manager (systemd, Docker) or a person see it.
- The web server stopping on its own ends ``serve`` too, exit 1: there is nothing to serve without it.
- SIGTERM or SIGINT (Ctrl+C) stops every process (15 s each to finish, then killed) and exits 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

POLL = 0.2  # seconds between looks at the processes


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 60.0
    max_deaths: int = 5
    window: float = 300.0  # seconds
    stable_after: float = 60.0  # a process that ran this long starts again after first_delay


@dataclass
class Child:
    key: str  # "worker", "scheduler", "web"
    command: list[str]
    env: dict[str, str]
    restartable: bool
    proc: subprocess.Popen[Any] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float = 0.0
    deaths: deque[float] = field(default_factory=deque)

    @property
    def name(self) -> str:
        return {
            "worker": _("background worker"),
            "scheduler": _("scheduler"),
            "web": _("web server"),
        }[self.key]

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, env=self.env)
        self.started_at = time.monotonic()
        self.restart_at = None


def how_it_ended(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return _("killed by signal %(signal)s") % {"signal": name}
    return _("exit code %(code)d") % {"code": code}


def _say(text: str) -> None:
    print(_("recouvre serve: %(message)s") % {"message": text}, file=sys.stderr, flush=True)


def serve(
    *,
    host: str,
    port: int,
    worker: bool = True,
    scheduler: bool = True,
    web_workers: int = 2,
    access_log: bool = False,
    policy: RestartPolicy | None = None,
    commands: dict[str, list[str]] | None = None,
) -> int:
    """Run and watch the processes (see the module description); the exit code. ``commands`` replaces a process's
    command line by key (``worker``, ``scheduler``, ``web``), for tests."""
    policy = policy or RestartPolicy()
    commands = commands or {}
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="recouvre.settings")
    python = sys.executable
    children: list[Child] = []
    if worker:
        children.append(
            Child(
                "worker",
                commands.get("worker", [python, "-m", "recouvre.cli", "worker", *([] if access_log else ["--quiet"])]),
                env,
                restartable=True,
            )
        )
    if scheduler:
        children.append(
            Child("scheduler", commands.get("scheduler", [python, "-m", "recouvre.cli", "scheduler"]), env, True)
        )
    web_command = [
        python,
        "-m",
        "gunicorn",
        "recouvre.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(web_workers),
        "--threads",
        "4",
        "--graceful-timeout",
        "10",
        # A few lines on the console: the server's warnings and errors only, no control socket in the home folder;
        # one line per request only when asked (``recouvre serve --access-log``).
        "--log-level",
        "warning",
        "--no-control-socket",
        *(["--access-logfile", "-"] if access_log else []),
    ]
    web = Child("web", commands.get("web", web_command), env, restartable=False)
    children.append(web)

    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    exit_code = 0
    try:
        for child in children:
            child.start()
        print(_("Recouvre is running on %(url)s (Ctrl+C to stop)") % {"url": f"http://{host}:{port}/"}, flush=True)
        while not stopping:
            exit_code = _watch(children, policy)
            if exit_code:
                break
            time.sleep(POLL)
    finally:
        _stop_all(children)
    return exit_code


def _watch(children: list[Child], policy: RestartPolicy) -> int:
    """One look at every process: restart what stopped and is due; non-zero when ``serve`` must end."""
    now = time.monotonic()
    for child in children:
        if child.proc is None:
            if child.restart_at is not None and now >= child.restart_at:
                child.start()
            continue
        code = child.proc.poll()
        if code is None:
            continue
        child.proc = None
        ended = how_it_ended(code)
        if not child.restartable:
            _say(_("the %(name)s stopped (%(how)s): stopping Recouvre.") % {"name": child.name, "how": ended})
            return 1
        child.deaths.append(now)
        while child.deaths and now - child.deaths[0] > policy.window:
            child.deaths.popleft()
        if len(child.deaths) >= policy.max_deaths:
            minutes = max(1, round(policy.window / 60))
            _say(
                ngettext(
                    "the %(name)s stopped %(count)d times within %(minutes)d minute (last: %(how)s): stopping "
                    "Recouvre. Its messages above tell why.",
                    "the %(name)s stopped %(count)d times within %(minutes)d minutes (last: %(how)s): stopping "
                    "Recouvre. Its messages above tell why.",
                    minutes,
                )
                % {"name": child.name, "count": len(child.deaths), "minutes": minutes, "how": ended}
            )
            return 1
        ran = now - child.started_at
        child.delay = policy.first_delay if ran >= policy.stable_after or not child.delay else child.delay
        delay = child.delay
        child.delay = min(policy.max_delay, child.delay * 2)
        child.restart_at = now + delay
        _say(
            _("the %(name)s stopped (%(how)s); starting it again in %(delay)s s.")
            % {"name": child.name, "how": ended, "delay": f"{delay:g}"}
        )
    return 0


def _stop_all(children: list[Child]) -> None:
    running = [c.proc for c in children if c.proc is not None and c.proc.poll() is None]
    for proc in running:
        proc.terminate()
    for proc in running:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
