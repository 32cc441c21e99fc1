"""Third-country sourcing (formulation §3.1): refined imports and ore/concentrate imports.

Variables: imp_ref[m,c,t,w] (refined material from third country c), imp_conc[m,c,t,w]
(contained material in ore/concentrate from c, refined in the EU). Constraint: supply_limit.
Costs: purchases at the scenario's prices. Also the upstream origin of refined imports, which
the single-country cap uses at the extraction stage.
"""
from __future__ import annotations

import pyomo.environ as pyo

from model import registry as R


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
    ref = [(mm, c, t) for (mm, c, k, t) in supply if k == "processing"]
    conc = [(mm, c, t) for (mm, c, k, t) in supply if k == "extraction"]
    m.IMP_REF = pyo.Set(initialize=[(mm, c, t, w) for (mm, c, t) in ref for w in W], dimen=4, ordered=True)
    m.IMP_CONC = pyo.Set(initialize=[(mm, c, t, w) for (mm, c, t) in conc for w in W], dimen=4, ordered=True)
    m.imp_ref = pyo.Var(m.IMP_REF, within=pyo.NonNegativeReals)
    m.imp_conc = pyo.Var(m.IMP_CONC, within=pyo.NonNegativeReals)
    b.upstream = upstream_shares(data)

    def effect(w, mm, c, k, t):
        return data.disruption.get(w, {}).get((mm, c, k, t), (0.0, 1.0))

    limits = []
    for stage, var, idx in (("processing", m.imp_ref, m.IMP_REF), ("extraction", m.imp_conc, m.IMP_CONC)):
        for (mm, c, t, w) in idx:
            rec = supply[(mm, c, stage, t)]
            lost, mult = effect(w, mm, c, stage, t)
            b.add_cost("purchases", mm, t, w, rec["price"] * mult * var[mm, c, t, w])
            cap = rec["available"]
            if cap < R.UNLIMITED or lost > 0:
                bound = 0.0 if lost >= 1 else (cap * (1.0 - lost) if cap < R.UNLIMITED else None)
                if bound is None:  # unlimited supply partly lost: still unlimited
                    continue
                limits.append(((mm, c, stage, t, w), var[mm, c, t, w], bound))
        if stage == "processing":
            for (mm, c, t, w) in idx:
                b.supply_terms[(mm, t, w)].append(var[mm, c, t, w])
    m.SUPPLY_LIMIT = pyo.Set(initialize=[k for k, _, _ in limits], dimen=5, ordered=True)
    lim = {k: (v, bound) for k, v, bound in limits}
    # supply_limit[m,c,k,t,w]: what country c can sell to the EU at stage k, net of disruption
    m.supply_limit = pyo.Constraint(m.SUPPLY_LIMIT, rule=lambda _, *k: lim[k][0] <= lim[k][1])
