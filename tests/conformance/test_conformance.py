"""Conformance: the OpenID Connect code flow over real HTTP, checked by an independent RP
(pyoidc), against one IdP served on 127.0.0.1 (the ``live_server`` of tests/conftest.py).

The tests are in tests/support/conformance.py; tests/cluster/test_cluster.py runs the same
ones through HAProxy in front of two nodes."""

from __future__ import annotations

from tests.support.conformance import ConformanceChecks


class TestConformance(ConformanceChecks):
    """Against one server."""
