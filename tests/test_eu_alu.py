"""The aluminium siblings of issue 18 on the built default EU case (inputs/eu_crma.xlsx).

* Refiners without a mine of their own are not credited with their own ore (upstream sheet).
* The Monte Carlo draws read (B) numbers over the grade B range, not the C default.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from inputs.eu_capacity import KNOWN_UPSTREAM, NO_OWN_ORE
from model.pipeline import load
from model.uncertainty import read_factors

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "inputs" / "eu_crma.xlsx"
FACTORS = ROOT / "inputs" / "montecarlo_factors.csv"


@pytest.fixture(scope="module")
def upstream():
    wb = openpyxl.load_workbook(CASE, read_only=True)
    it = wb["upstream"].iter_rows(values_only=True)
    head = next(it)
    out: dict = {}
    for r in it:
        rec = dict(zip(head, r))
        out.setdefault((rec["material"], rec["country"]), {})[rec["origin"]] = rec["share [share]"]
    return out


def test_mozambique_smelts_australian_alumina(upstream):
    """Mozal (MZ) smelts alumina from South32's Worsley refinery, which refines Boddington bauxite
    (AU): South32, 'approximately 60 per cent of the production from our Worsley Alumina operation is
    shipped to our aluminium smelters in South Africa and Mozambique'. So all of Mozambique's metal
    is Australian ore at the extraction stage: upstream (aluminium, MZ) = {AU: 1.0}. Before the fix
    Mozambique had no row and was read as mining its own bauxite (MZ 13 % at extraction in the
    baseline assessment, although Mozambique mines almost none)."""
    assert upstream[("aluminium", "MZ")] == {"AU": 1.0}


def test_norway_smelts_brazilian_alumina(upstream):
    """Hydro's Norwegian smelters run mainly on equity alumina from Alunorte (Para, BR), fed by the
    Paragominas mine and MRN (BR); Norway mines no bauxite: upstream (aluminium, NO) = {BR: 1.0}."""
    assert upstream[("aluminium", "NO")] == {"BR": 1.0}


@pytest.mark.parametrize("key", sorted(NO_OWN_ORE))
def test_refiners_without_mines_get_no_own_ore(upstream, key):
    """Every refiner listed as mining none of the material gets origin rows that sum to 1 and none
    of them is the refiner itself (own ore 0 %); Iceland's aluminium, e.g., comes from the net
    bauxite exporters (AU, GN, BR, ...) in proportion to their net exports (a single one where
    only one country mines more than it refines)."""
    m, c = key
    rows = upstream[key]
    assert c not in rows
    assert sum(rows.values()) == pytest.approx(1.0, abs=1e-6)


def test_known_origins_are_not_also_no_own_ore():
    """One rule per refiner: a known origin (company data) or the net-exporter rule, not both."""
    assert not set(KNOWN_UPSTREAM) & set(NO_OWN_ORE)


@pytest.fixture(scope="module")
def factors():
    return {f.name: f for f in read_factors(FACTORS, load(CASE))}


@pytest.mark.parametrize("name, grade, low, high", [
    ("consumption aluminium", "B", 0.75, 1.25),          # FACE 13 Mt (2025), read
    ("consumption copper", "B", 0.75, 1.25),             # PRODCOM 2,412,100 t (2023), read
    ("consumption magnesium", "B", 0.75, 1.25),          # thyssenkrupp 160,000 t (2021), read
    ("existing EU capacity aluminium processing", "B", 0.75, 1.25),   # FACE 0.9 Mt primary
    ("existing EU capacity graphite_natural extraction", "A", 0.9, 1.1),
    ("consumption bismuth", "C", 0.5, 2.0),              # a derived figure keeps the C default
])
def test_montecarlo_ranges_follow_the_grades(factors, name, grade, low, high):
    """The Monte Carlo draws a number over its grade's default range (model/uncertainty.py
    GRADE_RANGES: A 0.9-1.1, B 0.75-1.25, C 0.5-2.0). Aluminium's consumption is FACE's 13 Mt for
    2025, read (B); it was drawn at the C range 0.5-2.0 because the demand rows carry the C grade of
    the growth path, so the base level was given four times its B width."""
    f = factors[name]
    assert (f.grade, f.low, f.high) == (grade, low, high)
