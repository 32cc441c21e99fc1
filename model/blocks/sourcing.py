"""Third-country sourcing (formulation §3.1): refined imports and ore/concentrate imports.

Variables: imp_ref[m,c,t,w] (refined material bought spot from third country c), imp_conc[m,c,t,w]
(contained material in ore/concentrate bought spot from c, refined in the EU). Contract deliveries
(model/blocks/purchasing.py) come on top. Constraint: supply_limit (spot + contract deliveries
within what the country can sell, net of disruption). Costs: purchases at the scenario's prices
(or at tier prices, for offers with volume-discount tiers).

For the other blocks this module publishes, per (m,t,w), who supplies what:
b.refined_by[(m,t,w)] = {country: [terms]} and b.ore_by[(m,t,w)] = {country: [terms]}, spot and
contract together, and b.upstream[(m, refiner)] = {origin: share}.
"""
from __future__ import annotations

import pyomo.environ as pyo

from model import registry as R
from model.blocks import purchasing


def upstream_shares(data) -> dict:
    """(material, refiner) -> {origin: share}; a refiner without rows refines its own ore."""
    out = {}
    for (mm, r, o), rec in data.table("upstream").items():
        out.setdefault((mm, r), {})[o] = rec["share"]
    return out


def add_sourcing(b) -> None:
    data, m = b.data, b.m
    supply = data.table("supply")
    W = b.W
    purchasing.add_contracts(b)
    ref = [(mm, c, t) for (mm, c, k, t) in supply if k == "processing" and mm in data.materials]
    conc = [(mm, c, t) for (mm, c, k, t) in supply if k == "extraction" and mm in data.materials]
    m.IMP_REF = pyo.Set(initialize=[(mm, c, t, w) for (mm, c, t) in ref for w in W], dimen=4, ordered=True)
    m.IMP_CONC = pyo.Set(initialize=[(mm, c, t, w) for (mm, c, t) in conc for w in W], dimen=4, ordered=True)
    m.imp_ref = pyo.Var(m.IMP_REF, within=pyo.NonNegativeReals)
    m.imp_conc = pyo.Var(m.IMP_CONC, within=pyo.NonNegativeReals)
    b.upstream = upstream_shares(data)

    b.refined_by, b.ore_by = {}, {}
    for (st, mm, c, t, w), terms in b.contract_flows.items():
        target = b.refined_by if st == "processing" else b.ore_by
        target.setdefault((mm, t, w), {}).setdefault(c, []).extend(terms)

    tiered = purchasing.tiers_by_offer(data)
    volume = {}
    limits = []
    for stage, var, by in (("processing", m.imp_ref, b.refined_by), ("extraction", m.imp_conc, b.ore_by)):
        for (mm, c, t, w), v in var.items():  # the variable's own (ordered) index: no lookups
            rec = supply[(mm, c, stage, t)]
            lost, mult = data.disruption.get(w, {}).get((mm, c, stage, t), (0.0, 1.0))
            by.setdefault((mm, t, w), {}).setdefault(c, []).append(v)
            if (mm, c, stage) in tiered:
                volume[(mm, c, stage, t, w)] = v
            else:
                b.add_cost("purchases", mm, t, w, rec["price"] * mult * v)
            cap = rec["available"]
            if cap >= R.UNLIMITED and lost < 1:
                continue  # unlimited, and a partial loss of an unlimited offer leaves it unlimited
            bound = 0.0 if lost >= 1 else cap * (1.0 - lost)
            contract = b.contract_flows.get((stage, mm, c, t, w), [])
            limits.append(((mm, c, stage, t, w), v + sum(contract), bound))
    purchasing.add_tiers(b, volume)

    for (mm, t, w), by_c in b.refined_by.items():
        for terms in by_c.values():
            b.supply_terms[(mm, t, w)].extend(terms)
    m.SUPPLY_LIMIT = pyo.Set(initialize=[k for k, _, _ in limits], dimen=5, ordered=True)
    lim = {k: (lhs, bound) for k, lhs, bound in limits}
    # supply_limit[m,c,k,t,w]: what country c can sell to the EU at stage k, net of disruption
    m.supply_limit = pyo.Constraint(m.SUPPLY_LIMIT, rule=lambda _, *k: lim[k][0] <= lim[k][1])


def refined_from(b, mm, c, t, w):
    """Refined material from third country c (spot and contract), as a list of terms."""
    return b.refined_by.get((mm, t, w), {}).get(c, [])


def ore_from(b, mm, c, t, w):
    """Contained material in ore from third country c (spot and contract), as a list of terms."""
    return b.ore_by.get((mm, t, w), {}).get(c, [])
