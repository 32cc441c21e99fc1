"""Joint purchasing instruments (formulation §12): offtake contracts and volume-discount tiers.

Contracts: first-stage contract_volume[k] (t/yr), with contract_signed[k] binary when a minimum
take applies (contract_min_take, contract_max_take); delivered contract_take[k,t,w] =
(1 - lost share of its country in scenario w) x contract_volume[k] in each year in force, at the
fixed price whatever the spot price. Tiers (all-units discounts): the annual volume of an offer
is split over tiers, tier_volume[m,c,k,t,w,j] with tier_active[...] binary (tier_lower, tier_upper,
tier_choice: at most one tier active; tier_total: the tiers add up to the offer's volume), each
tier priced at its own price. Buyers and coalitions are data transformations (model/purchasing.py).
"""
from __future__ import annotations

import pyomo.environ as pyo

from model import registry as R


def contracts_in_model(data) -> dict:
    return {k: rec for k, rec in data.table("contracts").items()
            if rec["material"] in data.materials and rec["start_year"] <= data.years[-1]
            and rec["start_year"] + rec["duration"] > data.years[0]}


def add_contracts(b) -> None:
    """Declare contracts and register their deliveries in b.contract_flows[(stage, m, c, t, w)]."""
    data, m = b.data, b.m
    contracts = contracts_in_model(data)
    b.contract_flows = {}
    m.CONTRACTS = pyo.Set(initialize=list(contracts), ordered=True)
    m.contract_volume = pyo.Var(m.CONTRACTS, within=pyo.NonNegativeReals)
    with_min = [k for k, rec in contracts.items() if rec["min_take"] > 0]
    m.CONTRACTS_MIN = pyo.Set(initialize=with_min, ordered=True)
    m.contract_signed = pyo.Var(m.CONTRACTS_MIN, within=pyo.Binary)
    if with_min:
        b.integer_vars.append(m.contract_signed)
    m.contract_min_take = pyo.Constraint(
        m.CONTRACTS_MIN,
        rule=lambda _, k: m.contract_volume[k] >= contracts[k]["min_take"] * m.contract_signed[k])
    m.contract_max_take = pyo.Constraint(
        m.CONTRACTS,
        rule=lambda _, k: m.contract_volume[k] <= contracts[k]["max_take"] * (
            m.contract_signed[k] if k in m.CONTRACTS_MIN else 1.0))
    idx, take = [], {}
    for k, rec in contracts.items():
        mm, c, st = rec["material"], rec["country"], rec["stage"]
        for t in data.years:
            if not rec["start_year"] <= t < rec["start_year"] + rec["duration"]:
                continue
            for w in b.W:
                lost, _ = data.disruption.get(w, {}).get((mm, c, st, t), (0.0, 1.0))
                expr = (1.0 - lost) * m.contract_volume[k]
                idx.append((k, t, w))
                take[(k, t, w)] = expr
                b.contract_flows.setdefault((st, mm, c, t, w), []).append(expr)
                b.add_cost("contract_purchases", mm, t, w, rec["price"] * expr)
    m.CONTRACT_TAKE = pyo.Set(initialize=idx, dimen=3, ordered=True)
    m.contract_take = pyo.Expression(m.CONTRACT_TAKE, rule=lambda _, k, t, w: take[(k, t, w)])


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


def add_tiers(b, volume: dict) -> None:
    """Tiered cost for the offers in ``volume``: (m,c,k,t,w) -> the variable of its annual volume.

    Registers the purchase cost of these offers (their supply row's price is not used).
    """
    data, m = b.data, b.m
    tiers = tiers_by_offer(data)
    supply = data.table("supply")
    idx, info = [], {}
    for (mm, c, k, t, w), var in volume.items():
        levels = tiers.get((mm, c, k))
        if not levels:
            continue
        cap = supply[(mm, c, k, t)]["available"]
        top = cap if cap < R.UNLIMITED else big_m(data, mm)
        _, mult = data.disruption.get(w, {}).get((mm, c, k, t), (0.0, 1.0))
        for j, (lo, price) in enumerate(levels):
            hi = levels[j + 1][0] if j + 1 < len(levels) else max(top, lo)
            idx.append((mm, c, k, t, w, j + 1))
            info[(mm, c, k, t, w, j + 1)] = (lo, hi, price * mult)
    m.TIERS = pyo.Set(initialize=idx, dimen=6, ordered=True)
    m.tier_volume = pyo.Var(m.TIERS, within=pyo.NonNegativeReals)
    m.tier_active = pyo.Var(m.TIERS, within=pyo.Binary)
    if idx:
        b.integer_vars.append(m.tier_active)
    m.tier_lower = pyo.Constraint(m.TIERS, rule=lambda _, *i: m.tier_volume[i] >= info[i][0] * m.tier_active[i])
    m.tier_upper = pyo.Constraint(m.TIERS, rule=lambda _, *i: m.tier_volume[i] <= info[i][1] * m.tier_active[i])
    offers = sorted({i[:5] for i in idx})
    by_offer = {}
    for i in idx:
        by_offer.setdefault(i[:5], []).append(i)
    m.TIERED_OFFERS = pyo.Set(initialize=offers, dimen=5, ordered=True)
    m.tier_choice = pyo.Constraint(
        m.TIERED_OFFERS, rule=lambda _, *o: sum(m.tier_active[i] for i in by_offer[o]) <= 1)
    m.tier_total = pyo.Constraint(
        m.TIERED_OFFERS, rule=lambda _, *o: sum(m.tier_volume[i] for i in by_offer[o]) == volume[o])
    for i in idx:
        mm, c, k, t, w, _ = i
        b.add_cost("purchases", mm, t, w, info[i][2] * m.tier_volume[i])
    b.tiered_offers = set(offers)
