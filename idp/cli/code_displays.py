"""CLI for the code-display inventory (`idp tokens`): import seed files, list the code
displays in stock and given out, revoke one — each audited."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..models.enums import AuthenticatorStatus
from .util import OPERATOR, out, service_call


@click.group("tokens", help="Code displays (hardware TOTP tokens) in stock.")
def tokens_group() -> None:
    pass


@tokens_group.command("import", help="Import seeds from a PSKC (RFC 6030) or CSV file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "cvr", required=True, help="CVR of the organisation")
@click.option(
    "--psk-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pre-shared key for encrypted PSKC secrets (hex or raw)",
)
@click.option("--dry-run", is_flag=True, help="Check every row, import nothing")
@click.option("--replace", is_flag=True, help="Replace serials that are still in stock")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tokens_import(
    file: Path, cvr: str, psk_file: Path | None, dry_run: bool, replace: bool, as_json: bool
) -> None:
    from ..services.means.inventory import import_code_displays
    from ..services.means.seed_files import read_psk, read_seed_file
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    psk = service_call(read_psk, psk_file.read_bytes()) if psk_file else None
    rows = service_call(read_seed_file, file.read_bytes(), psk)
    report = service_call(
        import_code_displays,
        org,
        rows,
        source=file.name,
        replace=replace,
        dry_run=dry_run,
        actor=OPERATOR,
    )
    lines = [
        f"{r['where']}: {r['serial'] or '?'}: " + ("; ".join(r["errors"]) or "ok")
        for r in report.rows
    ]
    if not report.ok:
        lines.append("Nothing was imported: fix the rows above and try again.")
    elif dry_run:
        lines.append(f"Dry run: {len(report.rows)} code display(s) would be imported.")
    else:
        lines.append(f"Imported {report.imported}, replaced {report.replaced}.")
    out(as_json, report.as_dict(), "\n".join(lines))
    if not report.ok:
        raise SystemExit(1)


@tokens_group.command("list")
@click.option("--org", "cvr", required=True)
@click.option("--status", type=click.Choice([status.value for status in AuthenticatorStatus]))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tokens_list(cvr: str, status: str | None, as_json: bool) -> None:
    from ..services.means.inventory import holders, list_code_displays
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    rows = list_code_displays(org, status)
    usernames = holders(org, rows)
    data = [
        {
            "serial": auth.serial,
            "status": auth.status,
            "digits": auth.digits,
            "period": auth.period,
            "algorithm": auth.algorithm,
            "user": usernames.get(auth.user_id) if auth.user_id else None,
        }
        for auth in rows
    ]
    out(
        as_json,
        data,
        "\n".join(
            f"{d['serial']}  {d['status']}  {d['digits']} digits/{d['period']}s  {d['user'] or ''}"
            for d in data
        ),
    )


@tokens_group.command("revoke")
@click.argument("serial")
@click.option("--org", "cvr", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tokens_revoke(serial: str, cvr: str, as_json: bool) -> None:
    from ..services.means.inventory import revoke_code_display
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    auth = service_call(revoke_code_display, org, serial, actor=OPERATOR)
    out(as_json, {"serial": auth.serial, "status": auth.status}, f"revoked {serial}")
