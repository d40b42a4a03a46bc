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


def _recorded(make_app, monkeypatch, args, **config):
    started: list[dict[str, object]] = []

    class Recorder:
        def __init__(self, options: dict[str, object]) -> None:
            started.append(options)

        def run(self) -> None:
            pass

    monkeypatch.setattr(serve, "_Gunicorn", Recorder)
    result = make_app(**config).test_cli_runner().invoke(args=["serve", *args])
    return result, started


def test_serve_options_replace_the_settings_for_this_run(make_app, monkeypatch):
    args = ["--host", "127.0.0.2", "--port", "5099", "--workers", "3", "--threads", "4"]
    result, started = _recorded(make_app, monkeypatch, args)
    assert result.exit_code == 0, result.output
    assert [(o["bind"], o["workers"], o["threads"]) for o in started] == [("127.0.0.2:5099", 3, 4)]
    result, started = _recorded(make_app, monkeypatch, ["--host", "::1"], port=5100)
    assert [o["bind"] for o in started] == ["[::1]:5100"]


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "0"],
        ["--port", "70000"],
        ["--workers", "0"],
        ["--threads", "x"],
        ["--host", "bad host"],
        ["--host", "-x"],
    ],
)
def test_bad_serve_options_are_usage_errors(make_app, monkeypatch, args):
    result, started = _recorded(make_app, monkeypatch, args)
    assert result.exit_code == 2 and started == []
    assert "Invalid value" in result.output


def test_the_stand_ins_are_refused_when_the_options_leave_one_request_slot(make_app, monkeypatch):
    args = ["--workers", "1", "--threads", "1"]
    result, started = _recorded(make_app, monkeypatch, args, dev_stand_ins=True)
    assert result.exit_code == 1 and started == []
    assert "workers=1 threads=1" in result.output
