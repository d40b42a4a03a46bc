"""Health for load balancers and orchestrators: ``/health/live`` says the process answers;
``/health/ready`` (and its older name ``/healthz``) says this node can serve (the checks are in
idp/services/platform/readiness.py). A node that is not ready gets 503, so the load balancer
sends it nothing until it is."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from ..services.platform.readiness import all_ok, node_checks

bp = Blueprint("health", __name__)


@bp.get("/health/live")
def live() -> Response:
    """200 while the process answers requests; nothing else is looked at (a database outage
    must not make an orchestrator restart every node)."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health/ready")
@bp.get("/healthz")
def ready() -> tuple[Response, int]:
    """200 when the database answers at the migrations' head, signing keys are loaded and the
    templates, stylesheet and Danish catalogue are present; 503 otherwise."""
    checks = node_checks()
    healthy = all_ok(checks)
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
