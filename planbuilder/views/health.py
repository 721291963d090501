from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services.jobs import queue as job_queue
from ..storage import free_megabytes

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers and the instance folder (the embedded database, the secret key) has room;
    503 otherwise, naming which (for load balancers and monitoring). Also says whether documents can be made."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc.__class__.__name__)
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    free = free_megabytes(current_app.instance_path)
    if free < current_app.config["HEALTH_MIN_FREE_MB"]:
        log.warning("health check: %s MB free in %s", free, current_app.instance_path)
        return jsonify(status="unavailable", database="ok", storage="full", free_mb=free), 503
    # The document queue is reported, never failed on: without it the wizard works, documents only wait.
    return jsonify(status="ok", database="ok", storage="ok", documents=job_queue.health())
