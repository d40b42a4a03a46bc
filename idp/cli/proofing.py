"""CLI for identity proofing: proofing records, roles and rights."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from ..models.enums import NsisLevel
from .util import OPERATOR, find_person, out, service_call


@click.group("proofing", help="Identity proofing records.")
def proofing_group() -> None:
    pass


@proofing_group.command("list")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def proofing_list(user: str, as_json: bool) -> None:
    from ..services.proofing.records import records_of

    person = find_person(user)
    data = [
        {
            "route": r.route,
            "level": r.level,
            "evidence": r.evidence,
            "actor": r.actor,
            "at": r.created_at.isoformat(),
        }
        for r in records_of(person)
    ]
    out(
        as_json,
        {"identity_level": person.identity_level, "records": data},
        f"identity level: {person.identity_level or 'none'}\n"
        + "\n".join(
            f"{d['at']}  {d['route']}  {d['level'] or 'revoked'}  by {d['actor']}" for d in data
        ),
    )


@proofing_group.command("in-person", help="A registrar records a face-to-face document check.")
@click.argument("user")
@click.option("--registrar", required=True, help="The registrar's username")
@click.option(
    "--document",
    required=True,
    type=click.Choice(["passport", "driving_licence", "residence_card", "other"]),
)
@click.option("--last4", required=True, help="Last 4 characters of the document number")
@click.option("--expires", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def proofing_in_person(
    user: str, registrar: str, document: str, last4: str, expires: object, as_json: bool
) -> None:
    from ..services.proofing.in_person import DocumentCheck, record_in_person

    expiry = expires.date() if hasattr(expires, "date") else date.fromisoformat(str(expires))
    record = service_call(
        record_in_person,
        find_person(user),
        find_person(registrar),
        DocumentCheck(document, last4, expiry),
    )
    out(
        as_json,
        {"route": record.route, "level": record.level},
        f"recorded in-person proofing at {record.level}",
    )


@proofing_group.command("attest", help="A manager vouches from employment records (Low).")
@click.argument("user")
@click.option("--manager", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def proofing_attest(user: str, manager: str, as_json: bool) -> None:
    from ..services.proofing.attestation import record_attestation

    record = service_call(record_attestation, find_person(user), find_person(manager))
    out(
        as_json,
        {"route": record.route, "level": record.level},
        f"recorded attestation at {record.level}",
    )


@proofing_group.command("adjust", help="Lower or revoke a person's identity level (audited).")
@click.argument("user")
@click.option(
    "--level",
    required=True,
    type=click.Choice([NsisLevel.LOW.value, NsisLevel.SUBSTANTIAL.value, "none"]),
)
@click.option("--reason", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def proofing_adjust(user: str, level: str, reason: str, as_json: bool) -> None:
    from ..services.proofing.records import adjust

    person = find_person(user)
    service_call(adjust, person, None if level == "none" else level, reason=reason, actor=OPERATOR)
    out(
        as_json,
        {"identity_level": person.identity_level},
        f"identity level is now {person.identity_level or 'none'}",
    )
