"""Every CSV the product writes shows formula cells as text (OWASP CSV Injection)."""

from __future__ import annotations

import csv
import io

import pytest

from idp.services.platform.safe_csv import is_formula, neutralise, write_csv


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("x")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)", "\tx", "\rx"]
)
def test_formula_cells_are_recognised_and_written_as_text(cell: str) -> None:
    assert is_formula(cell)
    document = write_csv(["name"], [[cell]])
    assert document.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(document.lstrip("\ufeff")), delimiter=";"))
    assert rows == [["name"], ["'" + cell]]


@pytest.mark.parametrize("cell", ["Anna Ærø", "anna@example.dk", "1-2", ""])
def test_plain_cells_are_left_alone(cell: str) -> None:
    assert not is_formula(cell)
    assert neutralise(cell) == cell


def test_none_is_an_empty_cell() -> None:
    assert neutralise(None) == ""
