"""The in-process task worker of the embedded setup (`fenpei serve`, `fenpei demo`).

Background tasks (big allocation runs, big imports) go through django-tasks' database
backend. A production deployment runs `fenpei db_worker` processes; the embedded setup
runs the same worker loop in a daemon thread of the web process, so one command gives a
working app with no second process to start or supervise.

The worker is django-tasks-db's own `Worker`, built the way its `db_worker` command builds
it but without `configure_signals()`: signal handlers may only be set from the main
thread, and there Ctrl-C belongs to the web server, which stops the worker itself.
"""

from __future__ import annotations

import os
import socket
import threading

from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

#: Seconds between looks at the queue when it is empty; also the longest a stop waits.
POLL_INTERVAL = 1.0


def worker_id_make() -> str:
    """Unique across every worker on the same database (db_worker's rule), and readable
    in the task table: which host and process ran a task."""
    host = socket.gethostname()[:30]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"[:64]


class WorkerThread(threading.Thread):
    """A daemon thread running one django-tasks-db `Worker` on the "default" queue."""

    def __init__(self, interval: float = POLL_INTERVAL) -> None:
        super().__init__(name="fenpei-task-worker", daemon=True)
        self.worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id_make(),
            excluded_queue_names=[],
        )

    def run(self) -> None:
        try:
            self.worker.run()
        finally:
            # This thread's own database connection; nobody else would close it.
            connections.close_all()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the worker to stop after the task it is running (if any) and wait up to
        `timeout` seconds. True when it has stopped."""
        self.worker.running = False
        self.join(timeout)
        return not self.is_alive()


def start_worker_thread(interval: float = POLL_INTERVAL) -> WorkerThread:
    thread = WorkerThread(interval)
    thread.start()
    return thread
