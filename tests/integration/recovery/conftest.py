"""Fixtures for the recovery tests: a person with an app, logged in with a token issued, and
the same against a scripted private eID upstream. Codes are checked at a frozen clock:
``person.fresh_code()`` moves it one step on (a step is accepted once) and gives that code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyotp
import pytest
from flask import Flask

from tests.support.fake_op import FakeOP
from tests.support.helpers import TestUser, authorize_code, make_client, make_user, redeem
from tests.support.recovery import scripted_op


@dataclass
class ClockedUser(TestUser):
    clock: Any = field(default=None, repr=False)

    def code(self, offset_steps: int = 0) -> str:
        assert self.totp_secret
        return pyotp.TOTP(self.totp_secret).at(int(self.clock.t) + 30 * offset_steps)


@dataclass
class Person:
    app: Flask
    user: ClockedUser
    session: Any  # a test client logged in as the person, with tokens issued to a service
    op: FakeOP | None = None

    def fresh_code(self) -> str:
        self.user.clock.step(1)
        return self.user.code()


def clocked(user: TestUser, clock: Any) -> ClockedUser:
    return ClockedUser(user.username, user.password, user.totp_secret, user.uuid, user.id, clock)


def logged_in_with_tokens(app: Flask, user: TestUser) -> Any:
    http = app.test_client()
    client = make_client(app)
    code, verifier, _params = authorize_code(http, client, user, scope="openid offline_access")
    assert redeem(http, client, code, verifier).status_code == 200
    return http


@pytest.fixture
def person(app: Flask, frozen_clock: Any) -> Person:
    user = clocked(make_user(app, "anna"), frozen_clock)
    return Person(app, user, logged_in_with_tokens(app, user))


@pytest.fixture
def upstream_person(make_app: Any, frozen_clock: Any) -> Iterator[Person]:
    with scripted_op() as op:
        app = make_app(
            private_eid_issuer=op.url,
            private_eid_client_id=op.client_id,
            private_eid_client_secret=op.client_secret,
        )
        user = clocked(make_user(app, "anna"), frozen_clock)
        yield Person(app, user, logged_in_with_tokens(app, user), op)
