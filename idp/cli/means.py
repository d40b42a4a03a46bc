"""CLI for a person's login means (`idp means`): list, assign, bind, unlock, revoke,
replace — each audited — and re-encrypt every stored secret."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .util import OPERATOR, find_person, out, service_call


@click.group("means", help="A person's login means.")
def means_group() -> None:
    pass


@means_group.command("list")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def means_list(user: str, as_json: bool) -> None:
    from ..services.means.authenticators import authenticators_of
    from ..services.means.verification import is_locked

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
    from ..services.means.code_display import assign_code_display

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
    from ..services.means.code_display import bind_code_display

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
    from ..services.means.verification import unlock

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
    from ..services.means.code_display import replace_with_code_display

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
