"""The aluminium siblings of issue 18 on the built default EU case (inputs/eu_crma.xlsx).

* Refiners without a mine of their own are not credited with their own ore (upstream sheet).
* Curtailed EU primary smelters can be restarted (group aluminium_restart, its own technology row).
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
    _, c = key
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


def _sheet(name):
    wb = openpyxl.load_workbook(CASE, read_only=True)
    it = wb[name].iter_rows(values_only=True)
    head = next(it)
    return [dict(zip(head, r)) for r in it]


def test_curtailed_smelters_restart_row():
    """Restart of curtailed EU smelters (values.csv): Portland (AU) restarted 35,000 t/yr for about
    $28 m = 800 USD per t/yr (2021) / 1.1835 USD/EUR (ECB 2021) = 675.961 EUR per t/yr, against
    7,858 for a new smelter with its alumina share. At most 933,450 t/yr: the EU cuts in the Reuters
    factbox of 25 Aug 2022, 228,000 + 110,000 + 0.6 x 265,000 + 0.15 x 285,000 + 175,000 +
    0.8 x 84,000 + 0.5 x 165,000 + 0.3 x 135,000 + 0.3 x 95,000 = 933,450. Variable O&M: the own
    smelter's 2,026.14 EUR/t plus the feed at ore value (1 - 0.85) x 2,648.55 (= 2,026.14 / (0.9 x
    0.85), the price behind the own row) = 397.28: 2,423.42 EUR/t. Lead time 1 year (Portland:
    announced Nov 2021, metal Q3 2022)."""
    tech = {(r["material"], r["stage"]): r for r in _sheet("technology")}
    rs = tech[("aluminium_restart", "processing")]
    own = tech[("aluminium", "processing")]
    assert rs["capex [EUR/(t/yr)]"] == pytest.approx(800 / 1.1835, rel=1e-5)
    assert rs["max_capacity [t/yr]"] == 933_450
    assert rs["lead_time [yr]"] == 1
    assert rs["fixed_om [EUR/(t/yr)/yr]"] == own["fixed_om [EUR/(t/yr)/yr]"]
    price = own["variable_om [EUR/t]"] / (0.9 * 0.85)
    assert rs["variable_om [EUR/t]"] == pytest.approx(own["variable_om [EUR/t]"] + 0.15 * price, rel=1e-5)
    co = [r for r in _sheet("coproducts") if r["group"] == "aluminium_restart"]
    assert [(r["material"], r["share [t/t]"], r["stage"]) for r in co] == [("aluminium", 1.0, "processing")]


def test_restart_is_used_before_new_smelters():
    """The solved case restarts all 933,450 t/yr (online from 2026, one year after the 2025
    decision) because it costs 676 EUR per t/yr against 7,858 for a new smelter with the same
    running costs; new smelters come on top of it."""
    from model.pipeline import solve_workbook

    cap = solve_workbook(CASE).results["capacity"]
    rs = cap[(cap["material"] == "aluminium_restart") & (cap["stage"] == "processing")].set_index("year")
    assert rs.loc[2025, "available_tpa"] == pytest.approx(0.0, abs=1e-6)
    assert rs.loc[2026, "new_online_tpa"] == pytest.approx(933_450, rel=1e-6)
    assert rs.loc[2030, "available_tpa"] == pytest.approx(933_450, rel=1e-6)


def test_tables_by_part_keep_every_parts_coproducts():
    """A decomposed run assembles its tables part by part (model/analysis/decompose_tables.py).
    With the restart group, aluminium's part has a co-product group, and so do the parts of the
    rare-earth separation, Kevitsa and the nickel-cobalt mine; a part without a group has no
    ``coproducts`` table. The assembled table must hold every group's rows: the union of the parts'
    tables, not the tables of the first part (which dropped the table, KeyError, or a part's rows)."""
    from model.analysis.decompose import solve_auto
    from model.validate import load as load_checked

    data = load_checked(ROOT / "inputs" / "eu_crma_disruptions.xlsx")
    _, _, res, _, _, _, _ = solve_auto(data, by_part=True, engine="serial")
    co = res.tables["coproducts"]
    assert {"aluminium_restart", "ree_separation_light", "ree_separation_heavy", "pgm_kevitsa",
            "nickel_cobalt_mine"} <= set(co["group"])
