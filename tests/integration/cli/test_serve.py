"""`idp serve` refuses settings it cannot serve: with dev_stand_ins the IdP calls its own
/dev-eid stand-in over HTTP while it answers a request, so it needs two request slots."""

from __future__ import annotations

import pytest

from idp import serve


@pytest.mark.parametrize(("workers", "threads"), [(1, 1)])
def test_serve_refuses_the_stand_ins_with_one_request_slot(make_app, workers, threads):
    app = make_app(dev_stand_ins=True, workers=workers, threads=threads)
    result = app.test_cli_runner().invoke(args=["serve"])
    assert result.exit_code == 1, result.output
    assert "dev_stand_ins needs at least 2 concurrent requests" in result.output
    assert "workers=1 threads=1" in result.output


@pytest.mark.parametrize(
    ("stand_ins", "workers", "threads"), [(True, 2, 1), (True, 1, 2), (False, 1, 1)]
)
def test_two_slots_or_no_stand_ins_may_be_served(
    make_app, monkeypatch, stand_ins, workers, threads
):
    started: list[dict[str, object]] = []

    class Recorder:
        def __init__(self, options: dict[str, object]) -> None:
            started.append(options)

        def run(self) -> None:
            pass

    monkeypatch.setattr(serve, "_Gunicorn", Recorder)
    app = make_app(dev_stand_ins=stand_ins, workers=workers, threads=threads)
    result = app.test_cli_runner().invoke(args=["serve"])
    assert result.exit_code == 0, result.output
    assert [(o["workers"], o["threads"]) for o in started] == [(workers, threads)]
