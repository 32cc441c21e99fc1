"""The direct backend (model/direct.py) writes the same LP as the Pyomo blocks, and the same tables.

The LP is compared row by row and column by column, by name: every row's bounds and coefficients,
every column's bounds, cost and integrality, and the objective's constant. The cases cover every
feature: stock coverage on each basis, disruptions with contracts lost, CVaR, soft and flow-basis
benchmarks, aggregate countries, modules (integers), volume tiers and contracts with a minimum
take. Every hand-built case of the other test files is also solved on both backends
(tests/helpers.py ``solve_case``), and the infeasible ones are explained through the direct
backend (tests/test_infeasible.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

import highspy
import numpy as np
import pytest

from model.build import build
from model.data import with_settings
from model.direct import DirectHighs, build_direct
from model.pipeline import run_case, solve_data
from model.solve import HighsModel
from model.validate import load
from tests.helpers import assert_same_results

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "inputs"
sys.path.insert(0, str(ROOT / "bench"))
from generate import write_instance  # noqa: E402


def canonical(h: highspy.Highs, row_names, col_names) -> tuple[dict, dict, float]:
    """rows: name -> (lower, upper, {column name: coefficient}); cols: name -> (lower, upper, cost, integer)."""
    lp = h.getLp()
    a = lp.a_matrix_
    start, index, value = np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_)
    rows = {r: (lo, up, {}) for r, lo, up in zip(row_names, lp.row_lower_, lp.row_upper_)}
    if a.format_ == highspy.MatrixFormat.kColwise:
        for j, c in enumerate(col_names):
            for p in range(start[j], start[j + 1]):
                rows[row_names[index[p]]][2][c] = value[p]
    else:
        for i, r in enumerate(row_names):
            for p in range(start[i], start[i + 1]):
                rows[r][2][col_names[index[p]]] = value[p]
    integ = list(lp.integrality_) or [0] * len(col_names)
    cols = {c: (lo, up, cost, int(k)) for c, lo, up, cost, k in
            zip(col_names, lp.col_lower_, lp.col_upper_, lp.col_cost_, integ)}
    return rows, cols, lp.offset_


def _name(component_data) -> tuple:
    return component_data.parent_component().name, component_data.index()


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def lp_differences(data) -> list[str]:
    b = build(data)  # held: the constraint data refer to their model weakly
    hm = HighsModel(b.m)
    rows1, cols1, off1 = canonical(hm.highs, [_name(c) for c in hm.rows], [_name(v) for v in hm.cols])
    lp = build_direct(data)
    dh = DirectHighs(lp)
    rows2, cols2, off2 = canonical(dh.highs, dh.rows, dh.cols)
    out = []
    # the same order of rows and columns: HiGHS then returns the same vertex and duals where
    # they are not unique
    if [_name(c) for c in hm.rows] != dh.rows:
        out.append("rows in another order")
    if [_name(v) for v in hm.cols] != dh.cols[:len(hm.cols)]:
        out.append("columns in another order")
    if set(rows1) != set(rows2):
        out.append(f"rows only in Pyomo: {sorted(set(rows1) - set(rows2))[:5]}, only direct: "
                   f"{sorted(set(rows2) - set(rows1))[:5]}")
    for r in set(rows1) & set(rows2):
        (lo1, up1, a1), (lo2, up2, a2) = rows1[r], rows2[r]
        if not (_close(lo1, lo2) and _close(up1, up2)):
            out.append(f"{r}: bounds {lo1, up1} against {lo2, up2}")
        if set(a1) != set(a2) or not all(_close(a1[k], a2[k]) for k in a1):
            out.append(f"{r}: coefficients {a1} against {a2}")
    for c, v1 in cols1.items():
        v2 = cols2.get(c)
        if v2 is None or not all(_close(x, y) for x, y in zip(v1, v2)):
            out.append(f"column {c}: {v1} against {v2}")
    # a column the Pyomo compile leaves out appears in no row: it must cost nothing either
    out += [f"column {c} only in the direct LP, with cost" for c in set(cols2) - set(cols1) if cols2[c][2]]
    if not _close(off1, off2):
        out.append(f"objective constant {off1} against {off2}")
    del b
    return out


VARIANTS = {
    "as is": {},
    "CVaR": dict(risk_weight=0.5, cvar_alpha=0.9),
    "soft": dict(soft_benchmarks="yes"),
    "flow basis": dict(benchmark_basis="flow"),
    "no aggregates": dict(aggregate_countries=""),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Generated instances: scenarios and upstream origins, and a MIP with modules."""
    tmp = tmp_path_factory.mktemp("gen")
    return {"scenarios": load(write_instance(tmp / "s.xlsx", materials=4, countries=8, years=10, scenarios=4)),
            "modules": load(write_instance(tmp / "m.xlsx", materials=3, countries=6, years=10, scenarios=2,
                                           modules=True))}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", ["example", "example_disruptions", "example_purchasing"])
def test_same_lp_examples(case, variant):
    data = with_settings(load(INPUTS / f"{case}.xlsx"), **VARIANTS[variant])
    assert lp_differences(data) == []


@pytest.mark.parametrize("case", ["eu_crma", "eu_crma_disruptions"])
def test_same_lp_eu(case):
    assert lp_differences(load(INPUTS / f"{case}.xlsx")) == []


@pytest.mark.parametrize("which", ["scenarios", "modules"])
def test_same_lp_generated(generated, which):
    assert lp_differences(generated[which]) == []


@pytest.mark.parametrize("case,variant", [("example", "as is"), ("example_disruptions", "as is"),
                                          ("example_disruptions", "CVaR"), ("example_purchasing", "as is"),
                                          ("example_purchasing", "soft"), ("eu_crma", "as is")])
def test_same_tables(case, variant):
    data = with_settings(load(INPUTS / f"{case}.xlsx"), **VARIANTS[variant], stochastic_reports="no",
                         purchasing_reports="no")
    assert_same_results(solve_data(data), solve_data(data, backend="pyomo"))


def test_same_tables_generated(generated):
    for data in generated.values():
        assert_same_results(solve_data(data), solve_data(data, backend="pyomo"))


def test_backend_in_manifest_and_cli_choice(tmp_path):
    import json

    direct = run_case(INPUTS / "example.xlsx", outputs=tmp_path)
    ref = run_case(INPUTS / "example.xlsx", outputs=tmp_path, backend="pyomo")
    assert json.loads((direct.folder / "manifest.json").read_text())["backend"] == "direct"
    assert json.loads((ref.folder / "manifest.json").read_text())["backend"] == "pyomo"
    assert_same_results(direct, ref)
    with pytest.raises(ValueError, match="unknown backend"):
        solve_data(direct.data, backend="cplex")


# ---- the pieces of the fast path, worked by hand -------------------------------------------------
def _tiny_lp(n_scenarios=3):
    """A DirectLP with a scenario-indexed variable x[k, w] (columns 0..n-1) and a first-stage y (n)."""
    from types import SimpleNamespace

    from model.direct import DirectLP

    lp = DirectLP(SimpleNamespace(scenarios=[f"w{s}" for s in range(n_scenarios)], years=[2030]))
    lp.add_cols("x", [("k", w) for w in lp.W])
    lp.add_cols("y", ["first"])
    return lp


def test_rows_repeated_over_scenarios_by_hand():
    """Two template rows, [x] and [x - 2 y], over 3 scenarios: x moves with the scenario, y stays."""
    lp = _tiny_lp()
    first = lp.add_rows_repeated("r", [(r, w) for r in "ab" for w in lp.W], [[0], [0, 3]], [[1.0], [1.0, -2.0]], 3,
                                 -INF_, 5.0, shift=[[1], [1, 0]])
    assert first == 0
    assert lp.row_names == [("r", (r, w)) for r in "ab" for w in lp.W]
    start, index, value = lp.matrix()
    assert start.tolist() == [0, 1, 2, 3, 5, 7, 9]
    assert index.tolist() == [0, 1, 2, 0, 3, 1, 3, 2, 3]
    assert value.tolist() == [1.0, 1.0, 1.0, 1.0, -2.0, 1.0, -2.0, 1.0, -2.0]
    assert lp.row_lower == [-INF_] * 6 and lp.row_upper == [5.0] * 6


def test_rows_collector_keeps_order_and_merges_repeats():
    from model.direct import Lin, _Rows

    lp = _tiny_lp(2)
    rows = _Rows()
    rows.add("one", Lin([3], [1.0], 1.0), 0.0, 4.0)  # y + 1 in [0, 4] -> y in [-1, 3]
    rows.repeat([("p", "w0"), ("p", "w1")], [[0]], [[2.0]], -INF_, 1.0, 2)
    rows.repeat([("q", "w0"), ("q", "w1")], [[0, 3]], [[1.0, 1.0]], 0.0, INF_, 2, shift=[[1, 0]])
    rows.add("last", Lin([1], [1.0]), 0.0, 0.0)
    assert sum(1 for seg in rows.segments if seg[0]) == 1  # the two repeats are one segment
    rows.add_to(lp, "c")
    assert [key for _, key in lp.row_names] == ["one", ("p", "w0"), ("p", "w1"), ("q", "w0"), ("q", "w1"), "last"]
    assert lp.row_lower == [-1.0, -INF_, -INF_, 0.0, 0.0, 0.0]
    assert lp.row_upper == [3.0, 1.0, 1.0, INF_, INF_, 0.0]
    start, index, value = lp.matrix()
    assert index.tolist() == [3, 0, 1, 0, 3, 1, 3, 1]
    assert start.tolist() == [0, 1, 2, 3, 5, 7, 8]  # the rows added one by one, a block, one more row
    assert value.tolist() == [1.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0]


def test_lin_batch_is_term_by_term_evaluation():
    """LinBatch gives what a term-by-term evaluation gives, to the last bit; FIXED reads 0."""
    from model.direct import FIXED, Lin
    from model.direct_results import LinBatch, _Values, extended

    rng = np.random.default_rng(7)
    x = rng.normal(size=50) * 1e3
    lins = [Lin(list(rng.integers(0, 50, size=k)), list(rng.normal(size=k)), float(rng.normal()))
            for k in rng.integers(0, 6, size=40)]
    lins += [None, Lin([FIXED, 3], [2.0, 0.5], 1.0), Lin()]
    got = LinBatch(lins).values(extended(x))
    val = _Values(x)
    want = [0.0 if e is None else val.lin(e) for e in lins]
    assert got.tolist() == want


def test_tables_prepared_beside_highs_equal_tables_prepared_after():
    import pandas as pd

    from model.direct import no_cyclic_gc, solve_direct
    from model.direct_results import extract_direct

    data = load(INPUTS / "example_disruptions.xlsx")
    tables = []
    for prepare in (True, False):
        with no_cyclic_gc():
            lp, sol, solution, _ = solve_direct(data, prepare_tables=prepare)
            assert (solution.plan is not None) == prepare
            tables.append(extract_direct(lp, sol, solution).tables)
    for name in tables[0]:
        pd.testing.assert_frame_equal(tables[0][name], tables[1][name], check_exact=True)


INF_ = float("inf")


def test_flows_by_country_shifted_from_the_first_scenario_by_hand():
    """imp_ref columns 0..2 (one offer, scenarios w0..w2): w2's flows are w0's moved by 2; a
    contracted (material, year) is never shifted (its scenarios are written one by one)."""
    from model.direct import _by_country

    lp = _tiny_lp(3)
    lp.contracted = {("ga", 2031)}
    by = {("ga", 2030, "w0"): {"CN": [(0, 1.0)], "JP": [(5, 0.5)]}}
    assert _by_country(lp, by, "ga", 2030, "w2") == {"CN": [(2, 1.0)], "JP": [(7, 0.5)]}
    assert ("ga", 2030, "w2") in by  # kept for the next caller
    assert _by_country(lp, by, "ga", 2030, "w0") is by[("ga", 2030, "w0")]
    assert _by_country(lp, by, "ga", 2031, "w1") == {}
    assert _by_country(lp, by, "ge", 2030, "w1") == {}


def test_compliance_frame_by_hand():
    """A processing benchmark (40 %, capacity basis) with capacity 30 and flow 50 against demand
    100, and a 65 % cap with a largest supplier at 70 %: 0.3 achieved, missed by 10 t; 0.7, over by
    5 t on demand 100."""
    import pandas as pd

    from model.results import compliance_frame

    plan = [("nominal", "ga", 2030, "processing", "processing", "capacity", 0.4, 100.0, "hard"),
            ("nominal", "ga", 2030, "single_country", "processing", "flow", 0.65, 100.0, "hard")]
    df = compliance_frame(plan, [30.0, 0.0], [50.0, 0.0], [None, (0.7, "CN")])
    share, cap = df.iloc[0], df.iloc[1]
    assert (share["achieved_share"], share["capacity_share"], share["flow_share"]) == (0.3, 0.3, 0.5)
    assert not share["met"] and share["shortfall_t"] == pytest.approx(10.0) and share["largest_country"] == ""
    assert (cap["achieved_share"], cap["flow_share"], cap["largest_country"]) == (0.7, 0.7, "CN")
    assert pd.isna(cap["capacity_share"]) and not cap["met"] and cap["shortfall_t"] == pytest.approx(5.0)
    assert list(df["met"]) == [False, False]
