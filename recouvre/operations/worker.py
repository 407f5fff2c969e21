"""``recouvre worker``: the background worker of the database task queue (``django_tasks_db``), in a loop that a
passing error does not stop.

django_tasks_db's own loop (``db_worker``) lets most database errors end the process: a SQLite database locked
longer than the busy timeout when a transaction begins, a PostgreSQL server restarting, a connection lost. This
worker keeps its way of taking a task (the oldest ready one, locked and claimed in one transaction, so that several
workers never run the same task) and of running it (``run_task``: the task's outcome recorded on its row), and
wraps each pass in a ``Recovery``: one log line, a pause from 1 s doubling up to 60 s, tried again, never an exit.
It beats a heartbeat (``recouvre.operations.heartbeat``), busy while a task runs.

A task whose end could not be recorded (the database failed right then) stays *running* on its row; what the
worker does here is idempotent (sending works through the due outbox, claiming each message), so it is harmless.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from .heartbeat import HeartbeatRecorder
from .models import Component
from .resilience import Recovery, close_old_connections

log = logging.getLogger("django_tasks_db")


class Worker(DatabaseWorker):
    """django_tasks_db's worker with a loop that survives (see the module description)."""

    def __init__(
        self,
        *,
        heartbeat: HeartbeatRecorder | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.heartbeat = heartbeat
        self.sleep = sleep

    def next_task(self) -> DBTaskResult | None:
        """The oldest ready task of the worker's queues, claimed for this worker (None: nothing to do)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def run(self) -> None:
        log.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.heartbeat is not None:
            self.heartbeat.start()
        recovery = Recovery(str(Component.WORKER.label), heartbeat=self.heartbeat, sleep=self.sleep)
        try:
            while self.running:
                try:
                    close_old_connections()
                    task_result = self.next_task()
                    if task_result is not None:
                        if self.heartbeat is not None:
                            with self.heartbeat.busy():
                                self.run_task(task_result)
                        else:
                            self.run_task(task_result)
                    close_old_connections()
                except Exception as exc:  # noqa: BLE001 - every failed pass is told and tried again
                    if self.batch:
                        raise  # running what is ready once (tests, one-off use): the error is the answer
                    recovery.failed(exc)
                    continue
                recovery.succeeded()
                if self.batch and task_result is None:
                    log.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    log.info(
                        "Run maximum tasks (%d) on worker=%s - exiting gracefully.", self._run_tasks, self.worker_id
                    )
                    return
                if self.running and task_result is None:
                    self.sleep(self.interval)
        finally:
            if self.heartbeat is not None:
                self.heartbeat.stop()


def make_worker(
    *,
    interval: float = 1.0,
    batch: bool = False,
    max_tasks: int | None = None,
    heartbeat: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> Worker:
    """The worker of the default queue; ``batch`` runs the tasks ready, then returns (an error is raised, not
    retried); ``max_tasks`` returns after that many tasks."""
    return Worker(
        sleep=sleep,
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
        heartbeat=HeartbeatRecorder(Component.WORKER, interval=settings.RECOUVRE_HEARTBEAT_SECONDS)
        if heartbeat
        else None,
    )


def run_worker(*, reload: bool = False, quiet: bool = False) -> None:
    """Run the worker until SIGINT or SIGTERM (the task running is finished first; a second signal ends it). It
    logs each task run, unless ``quiet`` (``recouvre serve``: warnings and errors only)."""
    for name in (TASKS_LOGGER, "django_tasks_db"):
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.INFO)
    worker = make_worker()
    if reload:
        if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            worker.configure_signals()  # only the reloaded child
        run_with_reloader(worker.run)
    else:
        worker.configure_signals()
        worker.run()


def run_ready_tasks() -> int:
    """Run every task ready now in this process, then return how many ran (for tests and one-off use)."""
    worker = make_worker(interval=0, batch=True, heartbeat=False)
    worker.run()
    return worker._run_tasks
