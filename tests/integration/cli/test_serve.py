"""`idp serve` and the root command as an operator meets them: the serve options replace the
settings for one run and bad ones are usage errors; with dev_stand_ins the IdP calls its own
/dev-eid stand-in over HTTP while it answers a request, so it needs two request slots; the root
help shows only our commands and options."""

from __future__ import annotations

import os
from pathlib import Path

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
    config = {"dev_stand_ins": stand_ins, "workers": workers, "threads": threads}
    result, started = _recorded(make_app, monkeypatch, [], **config)
    assert result.exit_code == 0, result.output
    assert [(o["workers"], o["blocking_threads"]) for o in started] == [(workers, threads)]


def _recorded(make_app, monkeypatch, args, **config):
    started: list[dict[str, object]] = []

    class Recorder:
        def __init__(self, **options: object) -> None:
            started.append(options)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(serve, "Granian", Recorder)
    result = make_app(**config).test_cli_runner().invoke(args=["serve", *args])
    return result, started


def test_serve_options_replace_the_settings_for_this_run(make_app, monkeypatch):
    args = ["--host", "127.0.0.2", "--port", "5099", "--workers", "3", "--threads", "4"]
    result, started = _recorded(make_app, monkeypatch, args)
    assert result.exit_code == 0, result.output
    assert [(o["address"], o["port"], o["workers"], o["blocking_threads"]) for o in started] == [
        ("127.0.0.2", 5099, 3, 4)
    ]
    result, started = _recorded(make_app, monkeypatch, ["--host", "::1"], port=5100)
    assert [(o["address"], o["port"]) for o in started] == [("::1", 5100)]


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


def test_the_root_help_lists_only_our_commands_and_options(tmp_path, monkeypatch):
    """`idp --help` as an operator sees it: Flask's --app/--env-file/--debug and other packages'
    commands (Flask-Limiter's `limiter`) are not there, and refused when typed."""
    from click.testing import CliRunner

    from idp.cli import main

    monkeypatch.chdir(tmp_path)
    for name, value in {
        "IDP_INSTANCE_PATH": str(tmp_path / "instance"),
        "IDP_KEYS_DIR": str(tmp_path / "keys"),
        "IDP_SECRET_KEY": "test-secret-key-not-for-production-0123456789",
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    shown = runner.invoke(main, ["--help"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.split("Commands:")[1].splitlines()
    listed = {line.split()[0] for line in lines if line.startswith("  ") and line.strip()}
    assert {"users", "orgs", "clients", "serve", "db", "demo"} <= listed
    assert "limiter" not in listed and "routes" not in listed and "shell" not in listed
    for flask_option in ("--app", "--env-file", "--debug"):
        assert flask_option not in shown.output
        refused = runner.invoke(main, [flask_option, "x", "orgs", "list"])
        assert refused.exit_code == 2 and "No such option" in refused.output
    assert runner.invoke(main, ["limiter", "--help"]).exit_code == 2


def test_the_version_is_the_one_in_pyproject():
    import tomllib

    from click.testing import CliRunner

    from idp.cli import main
    from tests.support.helpers import ROOT

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    shown = CliRunner().invoke(main, ["--version"])
    assert (shown.exit_code, shown.output) == (0, f"idp {version}\n")


def test_serving_leaves_this_process_as_it_was(make_app, monkeypatch):
    """The workers count into a metrics folder named in PROMETHEUS_MULTIPROC_DIR; once the
    server has stopped, this process counts in memory again and the folder made for the run
    is gone (a CLI run, or a test, going on afterwards must not write into a deleted folder)."""
    from prometheus_client import values

    monkeypatch.delenv(serve.MULTIPROC_ENV, raising=False)
    seen: list[tuple[str | None, object]] = []

    class Recorder:
        def __init__(self, **options: object) -> None:
            pass

        def serve(self) -> None:
            seen.append((os.environ.get(serve.MULTIPROC_ENV), values.ValueClass))

    monkeypatch.setattr(serve, "Granian", Recorder)
    result = make_app().test_cli_runner().invoke(args=["serve"])
    assert result.exit_code == 0, result.output
    [(folder, during)] = seen
    assert folder and during is not values.MutexValue  # the workers' files, while serving
    assert serve.MULTIPROC_ENV not in os.environ and values.ValueClass is values.MutexValue
    assert not Path(folder).exists()
