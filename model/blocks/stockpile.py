"""Strategic stockpile (formulation §5).

First stage: stock_target[m,t], the stock the EU commits to hold (and pays storage for) at the
end of year t. Recourse: inventory[m,t,w] (actual stock at the end of t), stock_in[m,t,w] (bought
into the stock at the scenario's prices, through the balance), stock_out[m,t,w] (released in a
disruption; exists only where scenario w removes supply of material m in year t),
stock_drawdown[m,T,w] (the stock liquidated into EU supply in the last year T of the horizon),
stock_disposal[m,t,w] (t < T: stock leaving the reserve at no value when its target falls).
Constraints: stock_balance; stock_release_limit (only stock held at the start of a year can leave
in it); stock_release_cap (a release covers at most the supply the disruption removes);
stock_floor (inventory may fall below the target only by a disruption release of the same year,
so a release must be replenished in the following year; at the end of the horizon not at all); stock_ceiling (inventory <=
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
    last = T[-1]
    # planned drawdown only in the last year: the strategic stock is liquidated at the horizon's end
    m.STOCK_DRAW = pyo.Set(initialize=[(mm, last, w) for mm in mats for w in W], dimen=3, ordered=True)
    m.stock_drawdown = pyo.Var(m.STOCK_DRAW, within=pyo.NonNegativeReals)
    # before the last year a falling target means stock leaves the strategic reserve at no value
    # (it is not sold into EU supply, which would let a stock dodge the single-country cap)
    m.STOCK_DISPOSAL = pyo.Set(initialize=[(mm, t, w) for mm in mats for t in T[:-1] for w in W], dimen=3,
                               ordered=True)
    m.stock_disposal = pyo.Var(m.STOCK_DISPOSAL, within=pyo.NonNegativeReals)
    # disruption releases only where the scenario removes supply of the material in that year,
    # and at most the supply it removes (stock_release_cap)
    lost = lost_supply(b, stock)
    m.STOCK_OUT = pyo.Set(initialize=[i for i in m.STOCK_TW if i in lost], dimen=3, ordered=True)
    m.stock_out = pyo.Var(m.STOCK_OUT, within=pyo.NonNegativeReals)
    m.stock_release_cap = pyo.Constraint(m.STOCK_OUT, rule=lambda _, mm, t, w: m.stock_out[mm, t, w] <= lost[(mm, t, w)])

    def out(mm, t, w):
        return m.stock_out[mm, t, w] if (mm, t, w) in m.STOCK_OUT else 0.0

    def draw(mm, t, w):
        """What leaves the stock other than a release: liquidation (last year) or disposal (before)."""
        return m.stock_drawdown[mm, t, w] if t == last else m.stock_disposal[mm, t, w]

    first = T[0]

    def before(mm, t, w):
        return stock[mm]["initial_stock"] if t == first else m.inventory[mm, t - 1, w]

    m.stock_balance = pyo.Constraint(m.STOCK_TW, rule=lambda _, mm, t, w: m.inventory[mm, t, w] == before(
        mm, t, w) + m.stock_in[mm, t, w] - out(mm, t, w) - draw(mm, t, w))
    m.stock_release_limit = pyo.Constraint(
        m.STOCK_TW, rule=lambda _, mm, t, w: out(mm, t, w) + draw(mm, t, w) <= before(mm, t, w))
    # stock_floor: below the target only by a release of the same year, never at the horizon's end
    m.stock_floor = pyo.Constraint(
        m.STOCK_TW,
        rule=lambda _, mm, t, w: m.inventory[mm, t, w] + (out(mm, t, w) if t < last else 0.0)
        >= m.stock_target[mm, t])

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
        if t == last:
            b.supply_terms[(mm, t, w)].append(m.stock_drawdown[mm, t, w])
        b.use_terms[(mm, t, w)].append(m.stock_in[mm, t, w])
    for (mm, t) in m.STOCK_T:
        h = stock[mm]["holding_cost"]
        if h:
            b.add_cost("holding", mm, t, None, h * m.stock_target[mm, t])


def lost_supply(b, stock) -> dict:
    """(m, t, w) -> the refined-equivalent supply scenario w removes from material m in year t:
    the lost share of every disrupted offer (an unlimited offer counts as the year's demand) and of
    every contract in force with a disrupted country. A stock can be released up to this."""
    m = b.m
    parts = lost_supply_parts(b.data, stock, list(m.CONTRACTS), set(m.CONTRACT_TAKE))
    return {key: const + sum(f * m.contract_volume[kid] for kid, f in terms)
            for key, (const, terms) in parts.items()}


def lost_supply_parts(data, stock, contracts, in_force) -> dict:
    """(m, t, w) -> (tonnes lost from offers, capped at the year's demand; [(contract, factor)]):
    the supply removed is the constant plus factor x contract_volume of each contract listed.
    ``contracts``: the contracts in the model; ``in_force``: their (contract, year, scenario)."""
    supply = data.table("supply")
    const, terms = {}, {}
    for w, events in data.disruption.items():
        for (mm, c, k, t), (share, _) in events.items():
            if share <= 0 or mm not in stock:
                continue
            y = 1.0 if k == "processing" else data.material(mm)["processing_yield"]
            rec = supply.get((mm, c, k, t))
            if rec is not None:
                qty = rec["available"] if rec["available"] < R.UNLIMITED else data.demand(mm, t)
                const[(mm, t, w)] = const.get((mm, t, w), 0.0) + share * y * qty
            for kid in contracts:
                crec = data.table("contracts")[kid]
                if (crec["material"], crec["country"], crec["stage"]) == (mm, c, k) and (kid, t, w) in in_force:
                    terms.setdefault((mm, t, w), []).append((kid, share * y))
            terms.setdefault((mm, t, w), [])
    return {key: (min(const.get(key, 0.0), data.demand(key[0], key[1])), v)
            for key, v in terms.items() if const.get(key, 0.0) > 0 or v}
