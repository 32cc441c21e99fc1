"""Strategic stockpile (formulation §5).

First stage: stock_target[m,t], the stock the EU commits to hold (and pays storage for) at the
end of year t. Recourse: inventory[m,t,w] (actual stock at the end of t), stock_in[m,t,w] (bought
into the stock at the scenario's prices, through the balance), stock_out[m,t,w] (released in a
disruption; exists only where scenario w disrupts a supply of material m in year t),
stock_drawdown[m,t,w] (planned reduction when the target falls, sold into EU supply).
Constraints: stock_balance; stock_release_limit (only stock held at the start of a year can leave
in it); stock_floor (inventory may fall below the target only by a disruption release of the
same year, so a release must be replenished in the following year); stock_ceiling (inventory <=
target: the stock built before a disruption is the same in every scenario); stock_coverage
(target >= days/365 x basis; imports as in the nominal scenario). Cost: holding_cost x target.
"""
from __future__ import annotations

import pyomo.environ as pyo

from model import registry as R
from model.data import NOMINAL


def coverage_years(data, rec) -> list[int]:
    start = rec["coverage_from_year"] if rec["coverage_from_year"] is not None else data.years[0]
    return [t for t in data.years if t >= start] if rec["coverage_days"] > 0 else []


def add_stockpile(b) -> None:
    data, m = b.data, b.m
    W, T = b.W, b.T
    stock = {mm: rec for mm, rec in data.table("stockpile").items() if mm in data.materials}
    mats = list(stock)
    m.STOCK_T = pyo.Set(initialize=[(mm, t) for mm in mats for t in T], dimen=2, ordered=True)
    m.STOCK_TW = pyo.Set(initialize=[(mm, t, w) for mm in mats for t in T for w in W], dimen=3, ordered=True)

    def bounds(_, mm, *rest):
        mx = stock[mm]["max_stock"]
        return (0.0, None if mx >= R.UNLIMITED else mx)

    m.stock_target = pyo.Var(m.STOCK_T, bounds=bounds)
    m.inventory = pyo.Var(m.STOCK_TW, bounds=bounds)
    m.stock_in = pyo.Var(m.STOCK_TW, within=pyo.NonNegativeReals)
    m.stock_drawdown = pyo.Var(m.STOCK_TW, within=pyo.NonNegativeReals)
    # disruption releases only where the scenario disrupts the material's supply in that year
    disrupted = {(mm, t, w) for w, events in data.disruption.items() for (mm, _, _, t) in events}
    m.STOCK_OUT = pyo.Set(initialize=[i for i in m.STOCK_TW if i in disrupted], dimen=3, ordered=True)
    m.stock_out = pyo.Var(m.STOCK_OUT, within=pyo.NonNegativeReals)

    def out(mm, t, w):
        return m.stock_out[mm, t, w] if (mm, t, w) in m.STOCK_OUT else 0.0

    first = T[0]

    def before(mm, t, w):
        return stock[mm]["initial_stock"] if t == first else m.inventory[mm, t - 1, w]

    m.stock_balance = pyo.Constraint(m.STOCK_TW, rule=lambda _, mm, t, w: m.inventory[mm, t, w] == before(
        mm, t, w) + m.stock_in[mm, t, w] - out(mm, t, w) - m.stock_drawdown[mm, t, w])
    m.stock_release_limit = pyo.Constraint(
        m.STOCK_TW, rule=lambda _, mm, t, w: out(mm, t, w) + m.stock_drawdown[mm, t, w] <= before(mm, t, w))
    m.stock_floor = pyo.Constraint(
        m.STOCK_TW,
        rule=lambda _, mm, t, w: m.inventory[mm, t, w] + out(mm, t, w) >= m.stock_target[mm, t])

    # stock_ceiling: no scenario holds more than the first-stage target, so that the stock built
    # before a disruption cannot anticipate which disruption comes (non-anticipativity)
    m.stock_ceiling = pyo.Constraint(
        m.STOCK_TW, rule=lambda _, mm, t, w: m.inventory[mm, t, w] <= m.stock_target[mm, t])

    # stock_coverage[m,t,w]: days/365 of consumption, net imports, or imports from one country
    cov = []
    for mm, rec in stock.items():
        for t in coverage_years(data, rec):
            # one row: consumption is data; imports are those of the plan, i.e. of the nominal
            # scenario (a disruption that cuts imports must not shrink the stock held against it)
            cov.append((mm, t, NOMINAL if NOMINAL in W else W[0]))
    m.STOCK_COVERAGE = pyo.Set(initialize=cov, dimen=3, ordered=True)

    def covered(mm, t, w):
        rec = stock[mm]
        basis = rec["coverage_basis"]
        if basis == "consumption":
            return data.demand(mm, t)
        y = data.material(mm)["processing_yield"]
        terms = []
        for by, factor in ((b.refined_by, 1.0), (b.ore_by, y)):
            for c, flows in by.get((mm, t, w), {}).items():
                if basis == "net_imports" or c == rec["coverage_country"]:
                    terms.extend(factor * x for x in flows)
        return sum(terms) if terms else 0.0

    def coverage_rule(_, mm, t, w):
        rhs = stock[mm]["coverage_days"] / 365.0 * covered(mm, t, w)
        if isinstance(rhs, (int, float)) and rhs == 0:
            return pyo.Constraint.Skip
        return m.stock_target[mm, t] >= rhs

    m.stock_coverage = pyo.Constraint(m.STOCK_COVERAGE, rule=coverage_rule)

    for (mm, t, w) in m.STOCK_TW:
        if (mm, t, w) in m.STOCK_OUT:
            b.supply_terms[(mm, t, w)].append(m.stock_out[mm, t, w])
        b.supply_terms[(mm, t, w)].append(m.stock_drawdown[mm, t, w])
        b.use_terms[(mm, t, w)].append(m.stock_in[mm, t, w])
    for (mm, t) in m.STOCK_T:
        h = stock[mm]["holding_cost"]
        if h:
            b.add_cost("holding", mm, t, None, h * m.stock_target[mm, t])
