"""The people search at scale (migration e7b3d9f1a5c8): whatever index narrows it, a search
finds exactly what a plain substring search finds, follows every change to a person, counts a
common string only to a cap, and reads the people it names rather than the organisation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, text

from idp.extensions import db
from idp.models import User
from idp.services import orgs, people
from idp.services.platform import search as search_service
from tests.support.admin import ORG as CVR
from tests.support.admin import admin, browser, import_people

# Names that hold what LIKE and FTS5 treat specially: wildcards, quotes, FTS5 operators.
ROWS = [
    "R-1,Anna Østergaard,anna@example.dk,",
    'R-2,Bo "Bobby" Hansen,bo@example.dk,',
    "R-3,Carl 100% Sørensen,carl@example.dk,",
    "R-4,Dorte a_b Nielsen,dorte@example.dk,",
    "R-5,Erik NEAR Jensen,erik@example.dk,",
    "R-6,Frida Star*,frida@example.dk,",
    "R-7,Gustav O'Brien,gustav@ex-ample.dk,",
    "R-8,Hanne Anker,hanne@example.dk,",
]
NEEDLES = [
    "anna", "ØSTER", "ster", "bobby", '"bobby"', '"', "100%", "0%", "a_b", "_", "near",
    "NEAR(", "star*", "*", "o'brien", "ex-ample", "-ample", "example", "anker", "nk", "a",
    "r-1", "zzz", "  hanne  ", "an",
]  # fmt: skip


def _plain(org: Any, needle: str) -> list[str]:
    """What a substring search without any index finds (the definition of the search)."""
    columns = people.SEARCHED
    query = select(User.username).where(
        User.org_id == org.id, search_service.contains_any(needle, columns)
    )
    return sorted(db.session.execute(query).scalars())


def _found(org: Any, needle: str, per_page: int = 200) -> list[str]:
    result = people.search_people(
        org, status=None, search=needle, sort="username", page=1, per_page=per_page
    )
    return [user.username for user in result.items]


@pytest.fixture
def org(app):
    import_people(app, ROWS)
    import_people(app, ["R-1,Anna Østergaard,anna@other.dk,"], cvr="87654321")
    with app.app_context():
        yield orgs.get_by_cvr(CVR)


def test_a_search_finds_what_a_substring_search_finds(app, org):
    for needle in NEEDLES:
        assert _found(org, needle) == _plain(org, needle), needle
    assert _found(org, "anna") and _found(org, "zzz") == []
    # The other organisation's Anna is never among them.
    assert len(_found(org, "anna")) == 1


def test_a_common_search_finds_the_same_by_scanning(app, org, monkeypatch):
    # More candidates than the listing keeps to: the search scans in order instead.
    monkeypatch.setattr(search_service, "CANDIDATES", 2)
    for needle in ("example", "an", "ster", "zzz"):
        assert _found(org, needle) == _plain(org, needle), needle


def test_the_search_follows_renames_moves_and_removals(app, org):
    person = db.session.execute(select(User).where(User.rid == "R-8")).scalar_one()
    assert [u for u in _found(org, "anker")] == [person.username]
    person.name, person.email = "Hanne Bager", "hb@example.dk"
    db.session.commit()
    assert _found(org, "anker") == [] and _found(org, "bager") == [person.username]
    assert _found(org, "hb@ex") == [person.username]
    db.session.delete(person)
    db.session.commit()
    assert _found(org, "bager") == []


def test_a_common_search_is_counted_to_a_cap(app, org, monkeypatch):
    monkeypatch.setattr(people, "COUNT_CAP", 3)
    result = people.search_people(
        org, status=None, search="example", sort="name", page=9, per_page=2
    )
    assert (result.total, result.more, result.pages, result.page) == (3, True, 2, 2)
    assert len(result.items) == 2  # the last page is a whole page
    exact = people.count_matching(org, status=None, search="example")
    assert exact == len(_plain(org, "example")) == 7
    rare = people.search_people(org, status=None, search="anna", sort="name", page=1, per_page=2)
    assert (rare.total, rare.more) == (1, False)
    # Without a search, the count is exact whatever its size.
    everyone = people.search_people(org, status=None, search=None, sort="name", page=1, per_page=2)
    assert (everyone.total, everyone.more) == (8, False)


def test_the_page_says_when_there_are_more_matches_than_counted(app, org, monkeypatch):
    monkeypatch.setattr(people, "COUNT_CAP", 3)
    http = browser(app, admin(app, "boss", "user_admin"))
    html = http.get("/admin/imported?q=example").get_data(as_text=True)
    assert "More than 3 imported people match" in html
    assert "more than 3 (on every page)" in html
    html = http.get("/admin/imported?q=anna").get_data(as_text=True)
    assert "1 imported person matches." in html


def _statements(run: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    return seen


def test_a_narrowed_search_reads_the_people_it_names_not_the_organisation(app, org):
    """The plan, not a timing: on SQLite the candidates' ids drive the count, the page and
    the people (by the primary key); on PostgreSQL the trigram index serves the expressions
    the search compares."""
    seen = _statements(lambda: _found(org, "example", per_page=5))
    counted = [(s, p) for s, p in seen if "count(" in s.lower()]
    assert len(counted) == 1
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        assert any("user_search MATCH" in s for s, _ in seen)
        by_id = [(s, p) for s, p in seen if "IN (" in s and "count(" not in s.lower()]
        for shown, values in (counted[0], *by_id):
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + shown, values).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "INTEGER PRIMARY KEY" in details and "ix_user_account_org" not in details
        return
    # The search's own condition, alone: with sequential scans off, only an index on the very
    # expressions it compares can answer it.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    alone = select(User.id).where(search_service.contains_any("anker", people.SEARCHED))
    plan = connection.execute(text("EXPLAIN " + _literal(alone))).scalars().all()
    assert "ix_user_account_search" in " ".join(plan)


def _literal(query: Any) -> str:
    return str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))


def test_the_search_index_is_made_and_kept_by_the_migration(app, org):
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        names = connection.execute(
            text("SELECT name FROM sqlite_master WHERE name LIKE 'user_search%'")
        ).scalars()
        assert {"user_search", "user_search_insert", "user_search_update"} <= set(names)
        indexed = connection.execute(text("SELECT count(*) FROM user_search")).scalar_one()
        assert indexed == db.session.query(User).count() == 9
    else:
        found = connection.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_user_account_search'"
                " AND schemaname = current_schema()"
            )
        ).scalar_one()
        assert "gin" in found and "lower((name)" in found.replace("::text", "")


def test_an_import_indexes_its_people_in_bulk_and_leaves_the_triggers_on(app, org):
    # (The org fixture's people came by import too.) A second file renames one person and
    # adds another; both are found as they are now, and the triggers are back.
    import_people(app, ["R-8,Hanne Bager,hanne@example.dk,", "R-9,Ib Ildsjæl,ib@example.dk,"])
    assert _found(org, "anker") == [] and len(_found(org, "bager")) == 1
    assert len(_found(org, "ildsj")) == 1
    for needle in ("bager", "ildsj", "example", "r-9"):
        assert _found(org, needle) == _plain(org, needle), needle
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        triggers = connection.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'user_search%'"
            )
        )
        assert set(triggers.scalars()) == {
            "user_search_insert",
            "user_search_update",
            "user_search_delete",
        }
        indexed = connection.execute(text("SELECT count(*) FROM user_search")).scalar_one()
        assert indexed == db.session.query(User).count()  # each person once
    # And a change after the import goes through the triggers again.
    person = db.session.execute(select(User).where(User.rid == "R-9")).scalar_one()
    person.name = "Ib Olsen"
    db.session.commit()
    assert _found(org, "ildsj") == [] and len(_found(org, "ib ols")) == 1
