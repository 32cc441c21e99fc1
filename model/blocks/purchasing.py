"""Joint purchasing instruments (formulation §12): offtake contracts and volume-discount tiers.

Contracts: first-stage contract_volume[x] (t/yr), with contract_signed[x] binary when a minimum
take applies (contract_min_take, contract_max_take); delivered contract_take[x,t,w] =
(1 - lost share of its country in scenario w) x contract_volume[x] in each year in force, at the
fixed price whatever the spot price. Tiers (all-units discounts): the annual volume of an offer
is split over tiers, tier_volume[m,c,k,t,w,j] with tier_active[...] binary (tier_lower, tier_upper,
tier_choice: at most one tier active; tier_total: the tiers add up to the offer's volume), each
tier priced at its own price. Buyers and coalitions are data transformations
(model/analysis/coalitions.py).
"""
from __future__ import annotations

import numpy as np

from model import registry as R
from model.lp import Expr


def contracts_in_model(data) -> dict:
    return {k: rec for k, rec in data.table("contracts").items()
            if rec["material"] in data.materials and rec["start_year"] <= data.years[-1]
            and rec["start_year"] + rec["duration"] > data.years[0]}


def add_contracts(mod) -> None:
    """Declare contracts; publish their deliveries ``contract_take`` over (x, t, w) with the
    (m, c, k) of each delivery in ``mod.info['contract_take']``."""
    data, lp, sp = mod.data, mod.lp, mod.space
    contracts = contracts_in_model(data)
    ids = list(contracts)
    xs = sp.index(("x",), ids)
    vol = lp.var("contract_volume", xs)
    min_take = np.array([contracts[k]["min_take"] for k in ids], dtype=float)
    max_take = np.array([contracts[k]["max_take"] for k in ids], dtype=float)
    has_min = min_take > 0
    signed = lp.var("contract_signed", xs.take(has_min), upper=1.0, integer=True)
    lp.con("contract_min_take", xs.take(has_min),
           (signed.at(xs, min_take) - vol.expr()).take(has_min), "<=", 0.0)
    lp.con("contract_max_take", xs, vol.expr() - signed.at(xs, max_take), "<=", np.where(has_min, 0.0, max_take))
    # deliveries in the years in force, every scenario
    keys = [(k, t, w) for k in ids for t in data.years
            if contracts[k]["start_year"] <= t < contracts[k]["start_year"] + contracts[k]["duration"]
            for w in data.scenarios]
    take = sp.index(("x", "t", "w"), keys)
    rec = [contracts[k] for (k, _, _) in keys]
    mck = take.with_dims(("m", "c", "k", "t", "w"),
                         m=sp.codes("m", [r["material"] for r in rec]),
                         c=sp.codes("c", [r["country"] for r in rec]),
                         k=sp.codes("k", [r["stage"] for r in rec]))
    lost, _ = mod.disruption(mck)
    delivered = vol.at(take, 1.0 - lost)
    mod.publish("contract_take", take, delivered)
    mod.info["contract_take"] = mck
    price = np.array([r["price"] for r in rec], dtype=float)
    lp.cost("contract_purchases", mck, delivered * price)


def tiers_by_offer(data) -> dict:
    """(material, country, stage) -> [(min_volume, price)] sorted by min_volume."""
    out = {}
    for (mm, c, k, _), rec in data.table("tiers").items():
        out.setdefault((mm, c, k), []).append((rec["min_volume"], rec["price"]))
    return {key: sorted(v) for key, v in out.items()}


def big_m(data, mm: str) -> float:
    """A bound on the annual volume of one offer: 10 x the largest demand plus the stock limit."""
    d = max([data.demand(mm, t) for t in data.years] + [1.0])
    stock = data.table("stockpile").get(mm, {}).get("max_stock", R.UNLIMITED)
    return 10.0 * d + (stock if stock < R.UNLIMITED else 10.0 * d)


def add_tiers(mod, offers, volume: Expr) -> None:
    """Tiered purchase cost of ``offers`` (an Index over (m, c, k, t, w)) whose annual volumes are
    ``volume`` (one row per offer); their supply row's price is not used."""
    data, lp, sp = mod.data, mod.lp, mod.space
    tiers = tiers_by_offer(data)
    supply = data.table("supply")
    okeys = offers.keys()
    _, mult = mod.disruption(offers)
    src, keys, lo, hi, price = [], [], [], [], []
    for r, (mm, c, k, t, w) in enumerate(okeys):
        levels = tiers[(mm, c, k)]
        cap = supply[(mm, c, k, t)]["available"]
        top = cap if cap < R.UNLIMITED else big_m(data, mm)
        for j, (low, p) in enumerate(levels):
            src.append(r)
            keys.append((mm, c, k, t, w, j + 1))
            lo.append(low)
            hi.append(levels[j + 1][0] if j + 1 < len(levels) else max(top, low))
            price.append(p * mult[r])
    idx = sp.index(("m", "c", "k", "t", "w", "j"), keys)
    lo, hi, price = np.array(lo, float), np.array(hi, float), np.array(price, float)
    tv = lp.var("tier_volume", idx)
    ta = lp.var("tier_active", idx, upper=1.0, integer=True)
    lp.con("tier_lower", idx, ta.expr(lo) - tv.expr(), "<=", 0.0)
    lp.con("tier_upper", idx, tv.expr() - ta.expr(hi), "<=", 0.0)
    # per offer, in the sorted order of its keys
    order = np.array(sorted(range(len(okeys)), key=okeys.__getitem__), dtype=np.int64)
    pos = np.empty(len(okeys), dtype=np.int64)
    pos[order] = np.arange(len(okeys))
    src = np.array(src, dtype=np.int64)
    sorted_offers = offers.take(order)
    lp.con("tier_choice", sorted_offers, ta.expr().regroup(pos[src], len(okeys)), "<=", 1.0)
    lp.con("tier_total", sorted_offers, tv.expr().regroup(pos[src], len(okeys)) - volume.take(order), "==", 0.0)
    lp.cost("purchases", idx, tv.expr(price))

