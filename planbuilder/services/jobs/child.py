"""The embedded worker's render process: `python -m planbuilder.services.jobs.child`, started by queue.RenderProcess.

It reads the app's settings (one JSON line), then one job per line, and answers each with one JSON line: what the
job queued meanwhile (a retry, mail), for the worker that started it to schedule. It ends when its input closes:
when that worker stops, sends it away after a while without work, or its process ends.
"""
from __future__ import annotations

import json
import logging
import os
import sys

from planbuilder import create_app
from planbuilder.services.jobs import queue

log = logging.getLogger(__name__)


def main() -> None:
    # The answers get a pipe of their own: anything else printed (a library's warning) goes to the log instead.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    settings = json.loads(sys.stdin.readline())
    # The worker's app has migrated the database already; jobs this process queues go back to that worker.
    app = create_app({**settings, "JOB_QUEUE": "relay", "AUTO_MIGRATE": False})
    queue.yield_to_requests(app, own_process=True)
    run = queue.job_function("run")
    for line in sys.stdin:
        job_id = json.loads(line)["job"]
        try:
            with app.app_context():
                run(job_id)
        except Exception:  # the runner records a job's failure; this is a fault outside any one job
            log.exception("the render process failed on job %s", job_id)
        answers.write(json.dumps({"relay": queue.relayed}) + "\n")
        queue.relayed.clear()


if __name__ == "__main__":
    main()
