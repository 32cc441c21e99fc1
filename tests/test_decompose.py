"""The exact decomposition by groups of coupled materials (model/analysis/decompose.py) against the
extensive form: objective, first-stage decisions, result tables, and an optimal dual of the
extensive form; groups read from the model (a row over two materials joins them)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.analysis.decompose import (METHOD_DECOMPOSED, METHOD_EF, coupling_groups, probe_groups, solve_auto,
                                      solve_decomposed, split)
from model.backends.highs import solve
from model.build import build
from model.data import with_settings
from model.lp import Expr
from model.results import extract
from model.solve import solve_model
from model.validate import load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "inputs" / "example_disruptions.xlsx"
EU = ROOT / "inputs" / "eu_crma_disruptions.xlsx"
PRIMAL_TABLES = ("sourcing", "capacity", "stock", "unmet", "compliance", "costs", "cost_summary", "scenario_costs",
                 "contracts")
FIRST_STAGE = ("cap_new_cont", "n_modules", "stock_target", "contract_volume")
# absolute tolerance per table: 1e-6 t for quantities; for tables in EUR 1 EUR, since two solves may
# differ by flows within HiGHS's feasibility tolerance (1e-7 t) valued at up to ~10^6 EUR/t
ATOL = {"costs": 1.0, "cost_summary": 1.0, "scenario_costs": 1.0}


def _quiet(data):
    return with_settings(data, stochastic_reports="no")


def assert_kkt(mod, x, y, rtol=1e-7):
    """(x, y) is an optimal primal-dual pair of ``mod``'s LP (integer columns held fixed): x within
    its bounds and rows; reduced costs c - A'y and duals y signed as the active bounds allow."""
    lp = mod.lp
    col_lo, col_up, integer, row_lo, row_up = lp.bounds()
    row, col, coef = lp.coo()
    cost, _ = lp.objective
    scale = max(1.0, float(np.abs(cost).max()))
    tol = rtol * scale
    act = np.bincount(row, weights=coef * x[col], minlength=lp.n_rows)
    feas = 1e-6 * np.maximum(1.0, np.abs(act))
    assert (x >= col_lo - 1e-6).all() and (x <= col_up + 1e-6).all()
    assert (act >= row_lo - feas).all() and (act <= row_up + feas).all()
    rc = cost - np.bincount(col, weights=coef * y[row], minlength=lp.n_cols)
    at_lo = np.abs(x - col_lo) <= 1e-7 * np.maximum(1.0, np.abs(col_lo))
    at_up = np.abs(x - col_up) <= 1e-7 * np.maximum(1.0, np.abs(col_up))
    free = integer == 0
    assert (rc[free & ~at_lo] <= tol).all(), "a column above its lower bound has a positive reduced cost"
    assert (rc[free & ~at_up] >= -tol).all(), "a column below its upper bound has a negative reduced cost"
    lo_act = np.abs(act - row_lo) <= feas
    up_act = np.abs(act - row_up) <= feas
    assert (y[~lo_act] <= tol).all() and (y[~up_act] >= -tol).all(), "a dual is signed against its row"


_EF: dict = {}


def _norm(groups) -> list:
    return sorted(tuple(sorted(g)) for g in groups)


def _own_groups(data) -> list:
    """The groups a case's data make: one per material, except the members of a co-product plant,
    which solve together (the EU case: cobalt with nickel, NdPr with Dy/Tb, platinum with
    palladium)."""
    coupled = {tuple(sorted({m for (gg, m) in data.table("coproducts") if gg == g}))
               for (g, _) in data.table("coproducts")}
    return _norm(list(coupled) + [(m,) for m in data.materials if not any(m in c for c in coupled)])


def _extensive(path):
    """(data, model, SolveResult, Results) of a workbook's extensive form, solved once per test run."""
    if path not in _EF:
        data = _quiet(load(path))
        mod, sol, res, _, _ = solve_model(data)
        _EF[path] = (data, mod, sol, res)
    return _EF[path]


@pytest.mark.parametrize("path", [EXAMPLE, EU], ids=["example", "eu"])
def test_decomposition_equals_extensive_form(path):
    data, mod, sol, res = _extensive(path)
    dmod, dsol, dec = solve_decomposed(data, engine="serial")
    dres = extract(dmod, dsol)
    assert dec.method == METHOD_DECOMPOSED and _norm(dec.groups) == _own_groups(data)
    assert abs(dsol.objective - sol.objective) <= 1e-9 * abs(sol.objective)
    # the model's rows and columns are the same objects, and the first stage is the same
    assert (dmod.lp.n_rows, dmod.lp.n_cols) == (mod.lp.n_rows, mod.lp.n_cols)
    for name in FIRST_STAGE:
        v = mod.lp.vars.get(name)
        if v is not None and v.n:
            np.testing.assert_allclose(dsol.x[v.cols], sol.x[v.cols], rtol=1e-9, atol=1e-6, err_msg=name)
    for name in PRIMAL_TABLES:
        pd.testing.assert_frame_equal(dres.tables[name], res.tables[name], check_exact=False, rtol=1e-9,
                                      atol=ATOL.get(name, 1e-6), obj=name)
    # duals: the dual tables' keys are the same, and their values an optimal dual of the extensive
    # form (a degenerate LP has several; two solves of the same LP by different paths can return
    # different ones, as the HiGHS and Pyomo backends do: tests/helpers.py)
    assert_kkt(dmod, dsol.x, dsol.row_dual)
    dual_cols = ["eur_per_t", "eur_per_pp", "binding"]
    for name in ("marginal_cost", "shadow_prices"):
        pd.testing.assert_frame_equal(dres.tables[name].drop(columns=dual_cols, errors="ignore"),
                                      res.tables[name].drop(columns=dual_cols, errors="ignore"), obj=name)
    assert_kkt(mod, sol.x, sol.row_dual)  # the check itself accepts the extensive form's own pair


def test_kkt_check_rejects_a_wrong_dual():
    _, mod, sol, _ = _extensive(EXAMPLE)
    y = sol.row_dual.copy()
    y[mod.lp.cons["balance"].start] += 1e4  # one balance row's dual off by 10,000 EUR/t
    with pytest.raises(AssertionError):
        assert_kkt(mod, sol.x, y)


# ---- coupled materials ------------------------------------------------------------------------
def _byproduct(a, b, ratio, quantity="eu_processing"):
    """A block for the tests: EU refining of ``b`` at most ``ratio`` x EU refining of ``a`` in every
    year and scenario (a by-product recovered from ``a``'s process), rows ``test_byproduct[t, w]``
    over both materials, declared only where both are in the model. ``quantity``: a published
    flow or a variable over (m, t, w)."""
    import model.blocks.objective as objective

    original = objective.add_objective

    def add(mod):
        sp = mod.space
        if a in sp.code["m"] and b in sp.code["m"]:
            tw = sp.product(t=np.arange(len(mod.T)), w=np.arange(len(mod.W)))
            at = lambda mm: tw.with_dims(("m", "t", "w"), m=sp.code["m"][mm])  # noqa: E731
            if quantity in mod.flows:
                body = mod.flow(quantity, at(b)) - mod.flow(quantity, at(a), ratio)
            else:
                body = mod.lp.vars[quantity].at(at(b)) - mod.lp.vars[quantity].at(at(a), ratio)
            assert isinstance(body, Expr)
            mod.lp.con("test_byproduct", tw, body, "<=", 0.0)
        original(mod)

    return add


def test_coupled_group_equals_extensive_form(monkeypatch):
    """Gallium recovered from EU alumina refining (at most 6e-6 t per t of aluminium): the model
    joins gallium and aluminium in one group, the scenarios that touch gallium go to that group's
    part (the gallium-germanium licence to both parts), and the result is the extensive form's."""
    import model.blocks.objective as objective

    data, _, free, _ = _extensive(EU)
    monkeypatch.setattr(objective, "add_objective", _byproduct("aluminium", "gallium", 6e-6))
    mod, sol, res, _, _ = solve_model(data)
    con = mod.lp.cons["test_byproduct"]
    assert np.abs(sol.row_dual[con.rows]).max() > 1.0  # the coupling binds: it changes the optimum
    assert sol.objective > free.objective * (1 + 1e-9)
    groups = coupling_groups(mod)
    assert ["aluminium", "gallium"] in groups
    assert _norm(groups) == _norm([g for g in _own_groups(data) if g not in (("aluminium",), ("gallium",))]
                                  + [("aluminium", "gallium")])
    dmod, dsol, dec = solve_decomposed(data, engine="serial")
    part = next(p for p in dec.parts if p.materials == ["aluminium", "gallium"])
    ge = next(p for p in dec.parts if p.materials == ["germanium"])
    both = "cn_gallium_germanium_licence_2028"
    assert both in part.stands_for and both in ge.stands_for
    assert abs(dsol.objective - sol.objective) <= 1e-9 * abs(sol.objective)
    dres = extract(dmod, dsol)
    for name in PRIMAL_TABLES:
        pd.testing.assert_frame_equal(dres.tables[name], res.tables[name], check_exact=False, rtol=1e-9,
                                      atol=ATOL.get(name, 1e-6), obj=name)
    assert_kkt(dmod, dsol.x, dsol.row_dual)


def test_one_group_falls_back_to_extensive_form(monkeypatch):
    """Coupling the example's two materials (unmet demand of gallium at most 1,000 x NdPr's) leaves
    one group: the run solves the extensive form."""
    import model.blocks.objective as objective

    monkeypatch.setattr(objective, "add_objective", _byproduct("ndpr", "gallium", 1e3, "unmet"))
    data = _quiet(load(EXAMPLE))
    assert coupling_groups(build(data)) == [["gallium", "ndpr"]]
    mod, sol, res, hm, _, method, reason = solve_auto(data)
    assert method == METHOD_EF and reason == "all materials are coupled in one group"
    assert hm is not None and abs(sol.objective - solve_model(data)[1].objective) <= 1e-9 * abs(sol.objective)


def test_groups_read_from_the_model():
    """Today every material is its own group but for co-product members; CVaR (a shared column in
    every scenario's tail row) joins them all; the two-scenario probe finds the groups of the
    extensive form."""
    data, mod, _, _ = _extensive(EU)
    assert _norm(coupling_groups(mod)) == _own_groups(data)
    assert _norm(probe_groups(data)) == _own_groups(data)
    risky = with_settings(data, risk_weight=0.5)
    assert coupling_groups(build(risky)) == [list(data.materials)]
    mod, sol, res, hm, _, method, reason = solve_auto(with_settings(_quiet(load(EXAMPLE)), risk_weight=0.5))
    assert method == METHOD_EF and "CVaR" in reason


def test_scenarios_merge_per_group():
    """Example: gallium keeps its two gallium scenarios, the nominal one, and one scenario standing
    for the NdPr cut (undisturbed for gallium); NdPr keeps its own and merges both gallium events."""
    data = load(EXAMPLE)
    parts = {tuple(p.materials): p for p in split(data, [["gallium"], ["ndpr"]])}
    ga, nd = parts[("gallium",)], parts[("ndpr",)]
    assert ga.stands_for == {"nominal": ["nominal"], "ga_cn_licence_2028": ["ga_cn_licence_2028"],
                             "ga_cn_ban_2029": ["ga_cn_ban_2029"], "ree_cn_cut_2030": ["ree_cn_cut_2030"]}
    assert nd.stands_for == {"nominal": ["nominal"], "ga_cn_licence_2028": ["ga_cn_licence_2028", "ga_cn_ban_2029"],
                             "ree_cn_cut_2030": ["ree_cn_cut_2030"]}
    p = data.probability
    assert nd.data.probability["ga_cn_licence_2028"] == pytest.approx(p["ga_cn_licence_2028"] + p["ga_cn_ban_2029"])
    assert nd.data.disruption["ga_cn_licence_2028"] == {}


# ---- the run chooses, and says which ----------------------------------------------------------
def test_run_chooses_the_decomposition_and_says_so(tmp_path, capsys):
    from model.cli import main
    from model.io.write import read_results

    assert main([str(EXAMPLE), "--outputs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Method: {METHOD_DECOMPOSED} (2 groups of coupled materials" in out
    folder = next(tmp_path.iterdir())
    tables, info = read_results(folder / "results.xlsx")
    assert info["method"] == METHOD_DECOMPOSED
    assert "7 scenario problems in all instead of 2 x 4" in info["method_reason"]
    assert "==== part 1: gallium (4 scenarios) ====" in (folder / "highs.log").read_text()
    assert main([str(EXAMPLE), "--outputs", str(tmp_path), "--method", "extensive", "-q"]) == 0
    other = next(f for f in tmp_path.iterdir() if f != folder)
    tables2, info2 = read_results(other / "results.xlsx")
    assert info2["method"] == METHOD_EF and info2["method_reason"] == "asked for"
    assert abs(float(info["objective_eur"]) - float(info2["objective_eur"])) <= 1e-9 * abs(float(info2["objective_eur"]))
    for name in ("sourcing", "stock", "compliance", "costs", "scenario_costs"):
        pd.testing.assert_frame_equal(tables[name], tables2[name], obj=name)


# ---- the parallel engine ------------------------------------------------------------------------
def _parts():
    data = _quiet(load(EXAMPLE))
    mod = build(data)
    return data, mod, split(data, coupling_groups(mod))


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_parallel_engine_with_two_local_workers(engine, monkeypatch):
    """The parts solved by 2 local worker processes, or by a Dask cluster of 2 local workers named
    by its scheduler's address in CRM_DASK_SCHEDULER (as on a real cluster: docs/decomposition.md),
    give the same solution as in this process."""
    from model.analysis.decompose import assemble, solve_parts
    from model.parallel import DASK_ENV, choose_engine

    data, mod, parts = _parts()
    serial = solve_parts(parts, engine="serial")
    if engine == "dask":
        distributed = pytest.importorskip("dask.distributed")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            monkeypatch.setenv(DASK_ENV, cluster.scheduler_address)
            assert choose_engine(len(parts)) == "dask"
            remote = solve_parts(parts)
    else:
        remote = solve_parts(parts, engine=engine, workers=2)
    for a, b in zip(serial, remote):
        assert a.objective == b.objective and np.array_equal(a.x, b.x) and np.array_equal(a.row_dual, b.row_dual)
    sol = assemble(mod, parts, remote)
    ref = solve(build(data))[0]
    assert abs(sol.objective - ref.objective) <= 1e-9 * abs(ref.objective)


def test_tables_by_part_expand_to_the_extensive_form():
    """Without the extensive form's model (a case too large for it): each part's tables, merged
    scenarios once; expanded through scenario_classes they are the extensive form's, and
    scenario_costs has every scenario's cost."""
    data, mod, sol, res = _extensive(EU)
    none, psol, pres, hm, _, method, reason = solve_auto(data, by_part=True, engine="serial")
    assert none is None and hm is None and method == METHOD_DECOMPOSED and "tables by part" in reason
    assert abs(psol.objective - sol.objective) <= 1e-9 * abs(sol.objective)
    pd.testing.assert_frame_equal(pres.tables["scenario_costs"], res.tables["scenario_costs"], check_exact=False,
                                  rtol=1e-9)
    classes = pres.tables["scenario_classes"]
    assert len(classes) == len(_own_groups(data)) * len(data.scenarios)
    mat_part = {m: part for part, mats in zip(classes["part"], classes["materials"]) for m in mats.split(", ")}
    for name in ("sourcing", "stock", "unmet", "compliance"):
        got = pres.tables[name].assign(part=lambda t: t["material"].map(mat_part))
        got = got.merge(classes[["part", "scenario", "reported_as"]], left_on=["part", "scenario"],
                        right_on=["part", "reported_as"], suffixes=("_rep", ""))
        got = got.drop(columns=["part", "scenario_rep", "reported_as"])[res.tables[name].columns]
        keys = [c for c in ("scenario", "material", "stage", "country", "year", "flow", "benchmark")
                if c in got.columns]
        want = res.tables[name].sort_values(keys, kind="stable").reset_index(drop=True)
        got = got.sort_values(keys, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-6, obj=name)


def test_value_of_information_by_group_equals_the_whole():
    """RP, EV, EEV and WS of the example computed per material group add up to those of the whole
    case (model/stochastic.py), as the decomposed run reports them."""
    from model.analysis.decompose import value_of_information as by_group
    from model.stochastic import value_of_information

    data = load(EXAMPLE)
    whole, parts = value_of_information(data), by_group(data)
    for name in ("rp", "ev", "eev", "ws", "vss", "evpi"):
        a, b = getattr(whole, name), getattr(parts, name)
        assert abs(a - b) <= 1e-9 * abs(whole.rp), name
    assert parts.vss > 0 and parts.evpi > 0
