"""EU mining, processing and recycling flows (formulation §3.2).

Variables: eu_mining[m,t,w] (contained material mined in the EU), eu_recycling[m,t,w] (refined
material recovered from end-of-life scrap). Expression: eu_processing(m,t,w) = processing_yield x
(ore imports, spot and contract, + EU mining). Constraints: mining_capacity, processing_capacity,
recycling_capacity, recycling_feedstock. Costs: variable O&M of each stage.
"""
from __future__ import annotations

import pyomo.environ as pyo


def add_eu_supply(b) -> None:
    data, m = b.data, b.m
    W, T = b.W, b.T
    tech = data.table("technology")
    keys = b.capacity_keys
    mats = data.materials
    mining = [(mm, t, w) for mm in mats if (mm, "extraction") in keys for t in T for w in W]
    proc = [mm for mm in mats if (mm, "processing") in keys]
    rec_ = [(mm, t, w) for mm in mats if (mm, "recycling") in keys for t in T for w in W]
    m.EU_MINING = pyo.Set(initialize=mining, dimen=3, ordered=True)
    m.EU_RECYCLING = pyo.Set(initialize=rec_, dimen=3, ordered=True)
    m.eu_mining = pyo.Var(m.EU_MINING, within=pyo.NonNegativeReals)
    m.eu_recycling = pyo.Var(m.EU_RECYCLING, within=pyo.NonNegativeReals)

    mined_set = set(mining)

    def feed(mm, t, w):
        """Ore refined in the EU: imported (spot and contract) and EU-mined."""
        terms = [x for terms in b.ore_by.get((mm, t, w), {}).values() for x in terms]
        if (mm, t, w) in mined_set:
            terms.append(m.eu_mining[mm, t, w])
        return terms

    proc_idx = [(mm, t, w) for mm in proc for t in T for w in W]
    m.EU_PROCESSING = pyo.Set(initialize=proc_idx, dimen=3, ordered=True)

    def proc_rule(_, mm, t, w):
        terms = feed(mm, t, w)
        return data.material(mm)["processing_yield"] * sum(terms) if terms else 0.0

    # eu_processing[m,t,w]: refined output of EU processing from imported and EU-mined ore
    m.eu_processing = pyo.Expression(m.EU_PROCESSING, rule=proc_rule)
    # mined ore with nowhere to be refined cannot be used: the validator requires processing
    for (mm, t, w) in mining:
        if mm not in proc:
            m.eu_mining[mm, t, w].fix(0)

    m.mining_capacity = pyo.Constraint(
        m.EU_MINING, rule=lambda _, mm, t, w: m.eu_mining[mm, t, w] <= b.cap_avail(mm, "extraction", t))
    m.processing_capacity = pyo.Constraint(
        m.EU_PROCESSING,
        rule=lambda _, mm, t, w: (m.eu_processing[mm, t, w] <= b.cap_avail(mm, "processing", t))
        if feed(mm, t, w) else pyo.Constraint.Skip)
    m.recycling_capacity = pyo.Constraint(
        m.EU_RECYCLING,
        rule=lambda _, mm, t, w: m.eu_recycling[mm, t, w] <= b.cap_avail(mm, "recycling", t))

    def feedstock(mm, t):
        d = data.table("demand").get((mm, t))
        if not d:
            return 0.0
        return data.material(mm)["recycling_yield"] * d["collection_rate"] * d["eol_arising"]

    m.recycling_feedstock = pyo.Constraint(
        m.EU_RECYCLING, rule=lambda _, mm, t, w: m.eu_recycling[mm, t, w] <= feedstock(mm, t))
    b.recycling_feedstock_t = feedstock

    for (mm, t, w) in m.EU_PROCESSING:
        b.supply_terms[(mm, t, w)].append(m.eu_processing[mm, t, w])
    for (mm, t, w) in m.EU_RECYCLING:
        b.supply_terms[(mm, t, w)].append(m.eu_recycling[mm, t, w])

    for stage, var, idx in (("extraction", m.eu_mining, m.EU_MINING),
                            ("processing", m.eu_processing, m.EU_PROCESSING),
                            ("recycling", m.eu_recycling, m.EU_RECYCLING)):
        for (mm, t, w) in idx:
            rec = tech.get((mm, stage))
            if rec and rec["variable_om"]:
                b.add_cost("variable_om", mm, t, w, rec["variable_om"] * var[mm, t, w])
