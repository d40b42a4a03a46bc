"""JSON from outside is bounded in size and depth before it is parsed (issue 9, finding 3):
a deeply nested ``claims`` parameter is an invalid request (OIDC Core §5.5), never a 500."""

from __future__ import annotations

import json

import pytest

from idp.services.platform.bounded_json import (
    MAX_BYTES,
    MalformedJSON,
    loads_bounded,
    nesting_depth,
)
from tests.support.helpers import auth_params, make_client, pkce_pair, query_of


def _nested_objects(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def _nested_arrays(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    "claims",
    [
        '{"id_token":' * 5000 + "{}" + "}" * 5000,  # 5,000 nested objects
        "[" * 3000 + "]" * 3000,  # 3,000 nested arrays
        '{"id_token":' + _nested_objects(8) + "}",  # one level too deep
        json.dumps({"id_token": {"acr": {"values": ["x" * MAX_BYTES]}}}),  # too large
        "[" * 100_000,  # unbalanced and deep
        "{not json",
    ],
    ids=["5000-objects", "3000-arrays", "depth-9", "too-large", "unbalanced", "not-json"],
)
def test_malformed_claims_is_an_invalid_request_at_the_redirect_uri(app, client, claims):
    rp = make_client(app)
    params = auth_params(rp, pkce_pair()[1], claims=claims, state="s1")
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 302 and response.location.startswith(rp.redirect_uri)
    query = query_of(response.location)
    assert query["error"] == "invalid_request" and "claims" in query["error_description"]
    assert query["state"] == "s1"


def test_claims_within_the_bounds_are_accepted(app, client):
    rp = make_client(app)
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": ["[[[[{{{{"]}}})
    params = auth_params(rp, pkce_pair()[1], claims=claims)
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 302 and "/login/" in response.location


def test_depth_is_counted_outside_strings_only():
    assert nesting_depth('{"a": "[[[[[[[[[[[[[[[[[[", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert nesting_depth(_nested_arrays(9)) == 9


def test_loads_bounded_refuses_deep_large_and_broken_input():
    assert loads_bounded(_nested_arrays(8)) == json.loads(_nested_arrays(8))
    for bad in (_nested_arrays(9), "1" * (MAX_BYTES + 1), b"\xff", "[1,"):
        with pytest.raises(MalformedJSON):
            loads_bounded(bad)
