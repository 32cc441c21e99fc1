"""The bounds that keep the optimum (model/mpisppy_bounds.py, formulation §9.1): on every shipped
workbook the extensive form with them has the optimum it has without them, and none is active at
it; a hand-worked case pins their value.

The bounds need no MPI library (plan_objective uses the project's HiGHS backend); the scenario
models that carry them need Pyomo and mpi-sppy (the optional extra ``mpi``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.mpisppy_bounds import SLACK
from tests.helpers import cvar_hand_case, write_case

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted(p.name for p in (ROOT / "inputs").glob("*.xlsx"))


def _with_bounds(data, bounds: dict):
    """The extensive form solved without and with ``bounds``: (objective without, objective with,
    [(column, value, bound)])."""
    from model.backends.highs import HighsLP, Status, highs_options, solve
    from model.build import build

    b = build(data)
    free, _ = solve(b)
    hm = HighsLP(b.lp)
    hm.set_options(highs_options(b.data.settings, None))
    cols, ubs, names = [], [], []
    for name, v in b.lp.vars.items():
        for i, key in enumerate(v.index.keys()):
            if (name, key) in bounds:
                cols.append(v.start + i)
                ubs.append(bounds[(name, key)])
                names.append((name, key))
    assert len(cols) == len(bounds)  # every bounded column is a column of the extensive form
    lower = b.lp.bounds()[0][cols]
    hm.set_col_bounds(np.array(cols, dtype=np.int64), lower, np.array(ubs))
    assert hm.run() == Status.optimal
    x = hm.col_values()[cols]
    return free.objective, hm.objective_value(), list(zip(names, x, ubs))


@pytest.mark.parametrize("name", WORKBOOKS)
@pytest.mark.parametrize("risk", [None, 0.5])
def test_bounds_keep_the_optimum_on_every_shipped_workbook(name, risk):
    """Each shipped workbook as shipped and with CVaR (lambda 0.5): the bounds of its first-stage
    columns (U / c_j from one feasible plan) leave the extensive form's optimum as it is (1e-9) and
    no column reaches its bound at the optimum (below it by more than 1e-6 of the bound)."""
    from model.data import with_settings
    from model.mpisppy_bounds import first_stage_bounds, plan_objective, unbounded_columns
    from model.validate import load

    data = load(ROOT / "inputs" / name)
    if risk is not None:
        data = with_settings(data, risk_weight=risk)
    plan = plan_objective(data)
    assert plan["costs_nonnegative"], "a cost term can be negative: the bounds do not apply"
    bounds = first_stage_bounds(data, plan)
    assert bounds
    assert unbounded_columns(plan, bounds) == []
    free, bounded, at = _with_bounds(data, bounds)
    assert bounded == pytest.approx(free, rel=1e-9)
    assert free <= plan["objective"] * (1 + 1e-9)
    active = [(col, x, ub) for col, x, ub in at if x >= ub * (1 - 1e-6)]
    assert active == []


def test_hand_worked_bounds(tmp_path):
    """By hand: the nominal plan holds no stock; in every scenario it costs 1,000 (nominal: 100 t at
    10), 3,000 (half: 50 t at 10 + 50 t unmet at 50) or 5,000 EUR (full: 100 t unmet), so
    E = 0.6 x 1,000 + 0.3 x 3,000 + 0.1 x 5,000 = 2,000, CVaR_0.8 = 4,000 and U = 2,000 + 1 x 4,000
    = 6,000 EUR (the optimum: no stock pays, tests/test_mpisppy.py). The only first-stage columns
    are stock_target[x, 2030] and [x, 2031], no declared upper bound, each of cost (1 + lambda) x
    100 = 200 EUR/t in the extensive form; so each gets U / 200 = 30 t (x (1 + SLACK)), and zeta
    [0, U / lambda] = [0, 6,000]."""
    from model.mpisppy_bounds import first_stage_bounds, plan_objective, zeta_bounds
    from model.validate import load

    data = load(write_case(tmp_path / "hand.xlsx", **cvar_hand_case()))
    plan = plan_objective(data)
    assert plan["objective"] == pytest.approx(6000.0, rel=1e-9)
    bounds = first_stage_bounds(data, plan)
    assert bounds == pytest.approx({("stock_target", ("x", 2030)): 30.0 * (1 + SLACK),
                                    ("stock_target", ("x", 2031)): 30.0 * (1 + SLACK)}, rel=1e-9)
    assert zeta_bounds(data, plan) == pytest.approx((0.0, 6000.0), rel=1e-9)
    free, bounded, at = _with_bounds(data, bounds)
    assert bounded == pytest.approx(free, rel=1e-9) and free == pytest.approx(6000.0, rel=1e-9)
    assert all(x <= 1e-9 for _, x, _ in at)  # no stock at the optimum


def test_scenario_models_carry_the_bounds(tmp_path):
    """The scenario models of mpi-sppy get the bounds on their Pyomo columns (and keep tighter
    declared ones), and mpi-sppy's extensive form of them still has the project's optimum."""
    from model.mpisppy_adapter import available

    ok, why = available()
    if not ok:
        pytest.skip(f"mpi-sppy not available: {why}")
    from model.mpisppy_adapter import scenario_ef, scenario_model
    from model.mpisppy_bounds import ph_setup
    from model.validate import load

    data = load(write_case(tmp_path / "hand.xlsx", **cvar_hand_case()))
    setup = ph_setup(data)
    m = scenario_model(data, "half", zeta_bounds=setup["zeta_bounds"], first_stage_bounds=setup["first_stage_bounds"])
    assert m.stock_target["x", 2031].ub == pytest.approx(30.0 * (1 + SLACK), rel=1e-9)
    assert scenario_ef(data, zeta_bounds=setup["zeta_bounds"],
                       first_stage_bounds=setup["first_stage_bounds"]) == pytest.approx(6000.0, rel=1e-9)


def test_a_failed_lagrangian_subproblem_gives_no_bound(tmp_path, capsys):
    """The hand case after 2 PH iterations, with one scenario made infeasible (its stock target
    held at >= 100 t against the bound of 30 t): the Lagrangian pass solves it four times (default,
    presolve off, on, a new HiGHS instance), reports it once as failed, counts 1 unsolved, and the
    pass's bound is -infinity, not a sum holding that scenario's bound of an earlier pass."""
    from model.mpisppy_adapter import available

    ok, why = available()
    if not ok:
        pytest.skip(f"mpi-sppy not available: {why}")
    from mpisppy.opt.ph import PH

    from model import mpisppy_adapter as A
    from model.mpisppy_bounds import ph_setup
    from model.validate import load

    data = load(write_case(tmp_path / "hand.xlsx", **cvar_hand_case()))
    setup = ph_setup(data)
    A._robust_solves()
    ph = PH(A._options(A.DEFAULT_SOLVER, 1.0, 2, 1e-3, 600.0), A.scenario_names(data), A.scenario_creator,
            A.scenario_denouement, scenario_creator_kwargs={"data": data, "zeta_bounds": setup["zeta_bounds"],
                                                            "first_stage_bounds": setup["first_stage_bounds"]},
            rho_setter=A._rho(0.05, setup["zeta_rho"]))
    ph.ph_main(finalize=False)
    ph._disable_prox()
    assert A._lagrangian_pass(ph) == 0 and np.isfinite(ph.Ebound(False))
    capsys.readouterr()
    before = A.RETRIED["solves"]
    ph.local_scenarios["half"].stock_target["x", 2031].setlb(100.0)
    assert A._lagrangian_pass(ph) == 1
    assert ph.Ebound(False) == -np.inf
    assert capsys.readouterr().out.count(A.FAILED) == 1
    assert A.RETRIED["solves"] - before == 3
