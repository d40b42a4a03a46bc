"""CLI for login means: the code-display inventory (`idp tokens`) and a person's means
(`idp means`): assign, bind, unlock, revoke, replace — each audited."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .util import OPERATOR, find_person, out, service_call


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
@click.option("--status", type=click.Choice(["in_stock", "assigned", "active", "revoked"]))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tokens_list(cvr: str, status: str | None, as_json: bool) -> None:
    from ..extensions import db
    from ..models import User
    from ..services.means.inventory import list_code_displays
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    rows = list_code_displays(org, status)
    data = []
    for auth in rows:
        user = db.session.get(User, auth.user_id) if auth.user_id else None
        data.append(
            {
                "serial": auth.serial,
                "status": auth.status,
                "digits": auth.digits,
                "period": auth.period,
                "algorithm": auth.algorithm,
                "user": user.username if user else None,
            }
        )
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


@click.group("means", help="A person's login means.")
def means_group() -> None:
    pass


@means_group.command("list")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_list(user: str, as_json: bool) -> None:
    from ..services.means.authenticators import authenticators_of, is_locked

    person = find_person(user)
    data = [
        {
            "id": a.id,
            "type": a.type,
            "status": a.status,
            "serial": a.serial,
            "locked": is_locked(a),
            "failed_attempts": a.failed_attempts,
        }
        for a in authenticators_of(person)
    ]
    out(
        as_json,
        data,
        "\n".join(
            f"{d['id']}  {d['type']}  {d['status']}  {d['serial'] or ''}"
            + ("  LOCKED" if d["locked"] else "")
            for d in data
        ),
    )


@means_group.command("assign", help="Reserve an in-stock code display for a person.")
@click.argument("user")
@click.option("--serial", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_assign(user: str, serial: str, as_json: bool) -> None:
    from ..services.means.authenticators import assign_code_display

    auth = service_call(assign_code_display, find_person(user), serial, actor=OPERATOR)
    out(
        as_json,
        {"serial": auth.serial, "status": auth.status},
        f"code display {auth.serial} assigned",
    )


@means_group.command("bind", help="Bind a code display by serial and one current code.")
@click.argument("user")
@click.option("--serial", required=True)
@click.option("--code", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_bind(user: str, serial: str, code: str, as_json: bool) -> None:
    from ..services.means.authenticators import bind_code_display

    auth = service_call(bind_code_display, find_person(user), serial, code, actor=OPERATOR)
    out(
        as_json,
        {"serial": auth.serial, "status": auth.status, "drift": auth.drift_steps},
        f"code display {auth.serial} is active (drift {auth.drift_steps} steps)",
    )


@means_group.command("unlock")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_unlock(user: str, as_json: bool) -> None:
    from ..services.means.authenticators import unlock

    auth = service_call(unlock, find_person(user), actor=OPERATOR)
    out(as_json, {"id": auth.id, "unlocked": True}, "unlocked")


@means_group.command("revoke", help="Revoke every live login means of a person.")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_revoke(user: str, as_json: bool) -> None:
    from ..services.means.authenticators import revoke_all

    count = service_call(revoke_all, find_person(user), actor=OPERATOR)
    out(as_json, {"revoked": count}, f"revoked {count} login means")


@means_group.command("replace", help="Lost or broken: revoke and reserve another code display.")
@click.argument("user")
@click.option("--serial", required=True, help="Serial of the new code display")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_replace(user: str, serial: str, as_json: bool) -> None:
    from ..services.means.authenticators import replace_with_code_display

    auth = service_call(replace_with_code_display, find_person(user), serial, actor=OPERATOR)
    out(
        as_json,
        {"serial": auth.serial, "status": auth.status},
        f"old means revoked; code display {auth.serial} assigned",
    )


@means_group.command("reencrypt", help="Re-encrypt every secret under the newest key version.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_reencrypt(as_json: bool) -> None:
    from ..services.means.authenticators import reencrypt_all

    count = reencrypt_all(actor=OPERATOR)
    out(as_json, {"reencrypted": count}, f"re-encrypted {count} secret(s)")
