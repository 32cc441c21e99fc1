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
so a release must be replenished in the following year; at the end of the horizon not at all);
stock_ceiling (inventory <= target: the stock built before a disruption is the same in every
scenario); stock_coverage (target >= days/365 x basis; imports as in the nominal scenario).
Cost: holding_cost x target.
"""
from __future__ import annotations

import numpy as np

from model import registry as R
from model.data import NOMINAL
from model.lp import Expr


def coverage_years(data, rec) -> list[int]:
    start = rec["coverage_from_year"] if rec["coverage_from_year"] is not None else data.years[0]
    return [t for t in data.years if t >= start] if rec["coverage_days"] > 0 else []


def stock_materials(data) -> dict:
    return {mm: rec for mm, rec in data.table("stockpile").items() if mm in data.materials}


def add_stockpile(mod) -> None:
    data, lp, sp = mod.data, mod.lp, mod.space
    stock = stock_materials(data)
    mats = sp.codes("m", list(stock))
    nT, nW = len(mod.T), len(mod.W)
    last = nT - 1
    ST = sp.product(m=mats, t=np.arange(nT))
    STW = sp.product(m=mats, t=np.arange(nT), w=np.arange(nW))
    cap = np.full(sp.size("m"), np.inf)
    init = np.zeros(sp.size("m"))
    hold = np.zeros(sp.size("m"))
    for mm, rec in stock.items():
        cap[sp.code["m"][mm]] = rec["max_stock"]
        init[sp.code["m"][mm]] = rec["initial_stock"]
        hold[sp.code["m"][mm]] = rec["holding_cost"]
    target = lp.var("stock_target", ST, upper=cap[ST["m"]])
    inventory = lp.var("inventory", STW, upper=cap[STW["m"]])
    stock_in = lp.var("stock_in", STW)
    is_last = STW["t"] == last
    drawdown = lp.var("stock_drawdown", STW.take(is_last))
    disposal = lp.var("stock_disposal", STW.take(~is_last))
    lost_index, lost = lost_supply(mod, stock)
    out_index = STW.take(lost_index.find(STW) >= 0)
    stock_out = lp.var("stock_out", out_index)
    lp.con("stock_release_cap", out_index, stock_out.expr() - lost.take(lost_index.find(out_index)), "<=", 0.0)

    out = stock_out.at(STW)
    leave = out + drawdown.at(STW) + disposal.at(STW)  # release and liquidation or disposal
    prev = STW.with_dims(("m", "t", "w"), t=STW["t"] - 1)
    first = STW["t"] == 0
    before = inventory.at(prev.take(~first)).regroup(np.flatnonzero(~first), STW.n) + np.where(first, init[STW["m"]], 0.0)
    lp.con("stock_balance", STW, inventory.expr() - before - stock_in.expr() + leave, "==", 0.0)
    lp.con("stock_release_limit", STW, leave - before, "<=", 0.0)
    # stock_floor: below the target only by a release of the same year, never at the horizon's end
    tgt = target.at(STW.with_dims(("m", "t")))
    lp.con("stock_floor", STW, tgt - inventory.expr() - out.take(np.where(is_last, -1, np.arange(STW.n))), "<=", 0.0)
    # stock_ceiling: no scenario holds more than the first-stage target (non-anticipativity)
    lp.con("stock_ceiling", STW, inventory.expr() - tgt, "<=", 0.0)
    _coverage(mod, stock, target)

    mod.publish("stock_supply", STW, out + drawdown.at(STW))
    mod.publish("stock_use", STW, stock_in.expr())
    h = hold[ST["m"]]
    lp.cost("holding", ST.take(h != 0), target.expr(h).take(h != 0))


def _coverage(mod, stock, target) -> None:
    """stock_coverage[m,t,w]: days/365 of consumption, net imports, or imports from one country;
    imports are those of the plan, the nominal scenario (a disruption that cuts imports must not
    shrink the stock held against it)."""
    data, lp, sp = mod.data, mod.lp, mod.space
    nominal = sp.code["w"][NOMINAL if NOMINAL in mod.W else mod.W[0]]
    keys, factor, basis, country = [], [], [], []
    for mm, rec in stock.items():
        for t in coverage_years(data, rec):
            keys.append((mm, t))
            factor.append(rec["coverage_days"] / 365.0)
            basis.append(rec["coverage_basis"])
            country.append(rec["coverage_country"])
    idx = sp.index(("m", "t"), keys).with_dims(("m", "t", "w"), w=nominal)
    factor = np.array(factor, dtype=float)
    demand = mod.peak_demand()[idx["m"], idx["t"]]  # first stage: every demand scenario (§15.1)
    on_use = np.array([b == "consumption" for b in basis], dtype=bool)
    y = np.array([data.material(mm)["processing_yield"] for mm in data.materials])
    imports = Expr(idx.n)
    for name, scale in (("refined", 1.0), ("ore", y)):
        index, flow = mod.flows[name]
        sel = index["w"] == nominal
        # rows of this flow that count: every country (net imports) or the named one
        row = idx.find(index.with_dims(("m", "t", "w")))
        ok = sel & (row >= 0)
        named = np.array([country[r] for r in row[ok]], dtype=object)
        wants = np.array([basis[r] == "net_imports" for r in row[ok]], dtype=bool)
        cname = index.label("c")[ok]
        keep = np.flatnonzero(ok)[wants | (named == cname)]
        coef = scale if np.isscalar(scale) else scale[index["m"]]
        imports = imports + (flow * coef).regroup(_onto(row, keep, index.n), idx.n)
    body = imports * factor
    has = np.where(on_use, factor * demand != 0, body.nterms() > 0)
    tgt = target.at(idx.with_dims(("m", "t")))
    covered = tgt  # consumption after substitution (model/blocks/technologies.py): target - f x shift
    if "demand_shift" in mod.flows:
        covered = tgt - mod.flow("demand_shift", idx) * factor
    # consumption: target >= f x demand; imports: f x imports - target <= 0
    use = has & on_use
    imp = has & ~on_use
    from model.lp import stack

    index, expr = stack((idx.take(use), covered.take(use)), (idx.take(imp), (body - tgt).take(imp)))
    rhs_low = np.concatenate(((factor * demand)[use], np.full(int(imp.sum()), -np.inf)))
    rhs_up = np.concatenate((np.full(int(use.sum()), np.inf), np.zeros(int(imp.sum()))))
    lp.con("stock_coverage", index, expr, "range", (rhs_low, rhs_up))


def _onto(row, keep, n):
    target = np.full(n, -1, dtype=np.int64)
    target[keep] = row[keep]
    return target


def lost_supply(mod, stock):
    """(m, t, w) -> the refined-equivalent supply scenario w removes from material m in year t
    (an Index and an Expr in contract volumes): the lost share of every disrupted offer (an
    unlimited offer counts as the year's demand, and the total is capped at it) and of every
    contract in force with a disrupted country. A stock can be released up to this."""
    data, sp, lp = mod.data, mod.space, mod.lp
    take_idx, _ = mod.flows["contract_take"]
    in_force = set(take_idx.keys()) if take_idx.n else set()
    parts = lost_supply_parts(data, stock, list(sp.labels["x"]), in_force)
    keys = list(parts)
    index = sp.index(("m", "t", "w"), keys)
    vol = lp.vars["contract_volume"]
    rows, cols, coefs = [], [], []
    for r, key in enumerate(keys):
        for kid, f in parts[key][1]:
            rows.append(r)
            cols.append(vol.start + sp.code["x"][kid])
            coefs.append(f)
    return index, Expr(len(keys), rows, cols, coefs, [parts[key][0] for key in keys])


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
                qty = rec["available"] if rec["available"] < R.UNLIMITED else data.demand_in(mm, t, w)
                const[(mm, t, w)] = const.get((mm, t, w), 0.0) + share * y * qty
            for kid in contracts:
                crec = data.table("contracts")[kid]
                if (crec["material"], crec["country"], crec["stage"]) == (mm, c, k) and (kid, t, w) in in_force:
                    terms.setdefault((mm, t, w), []).append((kid, share * y))
            terms.setdefault((mm, t, w), [])
    return {key: (min(const.get(key, 0.0), data.demand_in(*key)), v)
            for key, v in terms.items() if const.get(key, 0.0) > 0 or v}
