"""The one formulation, two hand-offs: the Pyomo model generated from the LP (model/backends/pyomo.py)
and the arrays HiGHS receives (model/backends/highs.py) are the same linear programme.

The Pyomo side is read back through Pyomo's own linear compiler (the one its solver writers use),
not through the arrays it was built from: every row, column, bound, cost, integrality and name
must agree, on every shipped workbook."""
from pathlib import Path

import numpy as np
import pytest

from model.backends.highs import HighsLP
from model.backends.pyomo import to_pyomo
from model.build import build
from model.validate import load

ROOT = Path(__file__).resolve().parent.parent
CASES = ["example", "example_disruptions", "example_purchasing", "eu_crma", "eu_crma_disruptions"]


def _key(index):
    return index if isinstance(index, tuple) else (index,)


def pyomo_lp(m):
    """(rows, cols, offset) of a Pyomo model read with Pyomo's linear compiler: rows
    {(name, key): (lower, upper, {(var name, key): coef})}, cols {(name, key): (lower, upper,
    integer, cost)}."""
    import pyomo.environ as pyo
    from pyomo.repn.linear import LinearRepnVisitor

    visitor = LinearRepnVisitor({})
    cols = {}
    for v in m.component_data_objects(pyo.Var, descend_into=True):
        lb, ub = v.bounds
        cols[(v.parent_component().name, _key(v.index()))] = (
            -np.inf if lb is None else lb, np.inf if ub is None else ub, not v.is_continuous(), 0.0)

    def linear(expr):
        repn = visitor.walk_expression(expr)
        assert repn.nonlinear is None
        out = {}
        for vid, coef in repn.linear.items():
            v = visitor.var_map[vid]
            key = (v.parent_component().name, _key(v.index()))
            out[key] = out.get(key, 0.0) + coef
        return {k: c for k, c in out.items() if c != 0}, repn.constant

    rows = {}
    for con in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        terms, const = linear(con.body)
        lb = -np.inf if con.lb is None else con.lb - const
        ub = np.inf if con.ub is None else con.ub - const
        rows[(con.parent_component().name, _key(con.index()))] = (lb, ub, terms)
    (obj,) = list(m.component_data_objects(pyo.Objective, active=True))
    terms, offset = linear(obj.expr)
    for key, c in terms.items():
        lb, ub, integer, _ = cols[key]
        cols[key] = (lb, ub, integer, c)
    return rows, cols, offset


def highs_lp(mod):
    """The same description from the arrays passed to HiGHS, named by the LP's families."""
    lp = mod.lp
    hm = HighsLP(lp)
    names = [None] * lp.n_cols
    for name, v in lp.vars.items():
        for i, key in enumerate(v.index.keys()):
            names[v.start + i] = (name, _key(key))
    lp_ = hm.highs.getLp()
    a = lp_.a_matrix_  # HiGHS holds it column-wise after passModel
    start, index, value = np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_)
    row_terms = [dict() for _ in range(lp.n_rows)]
    for j in range(lp.n_cols):
        for p in range(start[j], start[j + 1]):
            row_terms[index[p]][names[j]] = value[p]
    rows = {}
    lower, upper = np.asarray(lp_.row_lower_), np.asarray(lp_.row_upper_)
    for name, con in lp.cons.items():
        for i, key in enumerate(con.index.keys()):
            r = con.start + i
            rows[(name, _key(key))] = (lower[r], upper[r], row_terms[r])
    import highspy

    integ = [v == highspy.HighsVarType.kInteger for v in lp_.integrality_] or [False] * lp.n_cols
    cost, cl, cu = np.asarray(lp_.col_cost_), np.asarray(lp_.col_lower_), np.asarray(lp_.col_upper_)
    cols = {names[j]: (cl[j], cu[j], bool(integ[j]), cost[j]) for j in range(lp.n_cols)}
    return rows, cols, lp_.offset_


def _close(a, b):
    return (a == b) or (np.isfinite(a) and np.isfinite(b) and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))


@pytest.mark.parametrize("case", CASES)
def test_pyomo_model_and_highs_model_are_the_same_lp(case):
    mod = build(load(ROOT / "inputs" / f"{case}.xlsx"))
    rows1, cols1, off1 = pyomo_lp(to_pyomo(mod))
    rows2, cols2, off2 = highs_lp(mod)
    assert set(cols1) == set(cols2)
    assert set(rows1) == set(rows2)
    assert len(rows1) == mod.lp.n_rows and len(cols1) == mod.lp.n_cols
    assert _close(off1, off2)
    for key, (lb, ub, integer, cost) in cols2.items():
        lb1, ub1, int1, cost1 = cols1[key]
        assert _close(lb, lb1) and _close(ub, ub1) and integer == int1 and _close(cost, cost1), key
    for key, (lb, ub, terms) in rows2.items():
        lb1, ub1, terms1 = rows1[key]
        assert _close(lb, lb1) and _close(ub, ub1), key
        assert set(terms) == set(terms1), key
        assert all(_close(c, terms1[v]) for v, c in terms.items()), key


def test_same_lp_with_coproducts_and_modelled_hosts(tmp_path):
    """The co-product and by-product families (a modelled host, a host disruption) through both
    hand-offs."""
    from tests.helpers import write_case
    from tests.test_byproducts import coproduct_case

    case = coproduct_case()
    rows = case["rows"]
    rows["materials"].append({"material": "al", "voll": 10.0, "strategic": "no", "processing_yield": 1.0})
    rows["demand"].append({"material": "al", "year": 2030, "demand": 1000.0})
    rows["supply"] += [{"material": "al", "country": "CN", "stage": "processing", "year": 2030, "price": 1.0},
                       {"material": "al", "country": "JP", "stage": "extraction", "year": 2030, "price": 0.5}]
    rows["technology"].append({"material": "al", "stage": "processing", "capex": 1.0, "lifetime": 10})
    rows["technology"].append({"material": "ndpr", "stage": "processing", "capex": 1.0, "lifetime": 10})
    rows["byproducts"] = [{"material": "ndpr", "host": "al", "content": 1e-3, "recovery": 0.5}]
    rows["scenarios"] = [{"scenario": "cut", "probability": 0.2}]
    rows["disruptions"] = [{"scenario": "cut", "material": "al", "country": "CN", "stage": "processing",
                            "start_year": 2030, "duration": 1, "severity": 1.0}]
    case["materials"] = ["ndpr", "dytb", "al"]
    mod = build(load(write_case(tmp_path / "co.xlsx", **case)))
    assert mod.lp.vars["coproduct_surplus"].n and mod.lp.cons["byproduct_host_limit"].n
    rows1, cols1, off1 = pyomo_lp(to_pyomo(mod))
    rows2, cols2, off2 = highs_lp(mod)
    assert set(rows1) == set(rows2) and set(cols1) == set(cols2) and _close(off1, off2)
    for key, (lb, ub, terms) in rows2.items():
        lb1, ub1, terms1 = rows1[key]
        assert _close(lb, lb1) and _close(ub, ub1) and set(terms) == set(terms1), key
        assert all(_close(c, terms1[v]) for v, c in terms.items()), key
    for key, (lb, ub, integer, cost) in cols2.items():
        assert cols1[key][2] == integer and _close(cost, cols1[key][3]), key
