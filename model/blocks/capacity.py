"""EU capacity expansion for extraction, processing and recycling (formulation §4).

Variables: cap_new[m,k,t] (t/yr coming online in year t), n_modules[m,k,t] (integer, when a
module size is given). Expression: cap_avail(m,k,t) = existing + new capacity still in its
lifetime. Constraints: build_limit, max_capacity. Costs: capex as an annuity, fixed O&M.
"""
from __future__ import annotations


import pyomo.environ as pyo

from model import registry as R


def crf(rate: float, lifetime: int) -> float:
    """Capital recovery factor: the annuity per unit of capex over ``lifetime`` years."""
    if rate == 0:
        return 1.0 / lifetime
    return rate / (1.0 - (1.0 + rate) ** -lifetime)


def build_years(data, rec) -> list[int]:
    """Years in which new capacity of a technology row may come online (lead time respected)."""
    first = data.years[0]
    earliest = rec["earliest_build_year"] if rec["earliest_build_year"] is not None else first
    online = max(earliest, first) + rec["lead_time"]
    return [t for t in data.years if t >= online]


def add_capacity(b) -> None:
    data, m = b.data, b.m
    tech = data.table("technology")
    existing = data.table("capacity_existing")
    # (material, stage) pairs with any EU capacity, existing or buildable
    b.capacity_keys = {(mm, k) for (mm, k) in tech} | {(mm, k) for (mm, k, _) in existing}

    new_idx = [(mm, k, t) for (mm, k), rec in tech.items() if mm in data.materials
               for t in build_years(data, rec)]
    m.CAP_NEW = pyo.Set(initialize=new_idx, dimen=3, ordered=True)
    modular = [(mm, k, t) for (mm, k, t) in new_idx if tech[(mm, k)]["module_size"] > 0]
    m.MODULAR = pyo.Set(initialize=modular, dimen=3, ordered=True)
    m.n_modules = pyo.Var(m.MODULAR, within=pyo.NonNegativeIntegers)
    continuous = [i for i in new_idx if tech[i[:2]]["module_size"] <= 0]
    m.CAP_CONT = pyo.Set(initialize=continuous, dimen=3, ordered=True)
    m.cap_new_cont = pyo.Var(m.CAP_CONT, within=pyo.NonNegativeReals)
    if modular:
        b.integer_vars.append(m.n_modules)

    def cap_new(mm, k, t):
        rec = tech[(mm, k)]
        if rec["module_size"] > 0:
            return rec["module_size"] * m.n_modules[mm, k, t]
        return m.cap_new_cont[mm, k, t]

    m.cap_new = pyo.Expression(m.CAP_NEW, rule=lambda _, mm, k, t: cap_new(mm, k, t))

    by_tech = {}
    for (mm, k, t) in new_idx:
        by_tech.setdefault((mm, k), []).append(t)

    avail_cache = {}

    def cap_avail(mm, k, t):
        """Capacity available in year t: existing plus new capacity within its lifetime.

        One expression per (material, stage, year), built once and shared by every row that uses
        it (the capacity rows of each scenario, benchmarks, fixed O&M).
        """
        key = (mm, k, t)
        if key in avail_cache:
            return avail_cache[key]
        expr = existing.get((mm, k, t), {}).get("capacity", 0.0)
        rec = tech.get((mm, k))
        if rec is not None:
            life = rec["lifetime"]
            terms = [m.cap_new[mm, k, tt] for tt in by_tech.get((mm, k), ()) if tt <= t < tt + life]
            if terms:
                expr = expr + sum(terms)
        avail_cache[key] = expr
        return expr

    b.cap_avail = cap_avail

    # build_limit: most new capacity coming online in one year
    lim = [i for i in new_idx if tech[i[:2]]["max_build_per_year"] < R.UNLIMITED]
    m.build_limit = pyo.Constraint(
        lim, rule=lambda _, mm, k, t: m.cap_new[mm, k, t] <= tech[(mm, k)]["max_build_per_year"])
    # max_capacity: reserves / sites bound total available capacity
    cap_idx = [(mm, k, t) for (mm, k), rec in tech.items() if rec["max_capacity"] < R.UNLIMITED
               and by_tech.get((mm, k)) for t in data.years if t >= by_tech[(mm, k)][0]]
    m.max_capacity = pyo.Constraint(
        cap_idx, rule=lambda _, mm, k, t: cap_avail(mm, k, t) <= tech[(mm, k)]["max_capacity"])

    # costs: capex annuity in every year of operation within the horizon, fixed O&M on capacity
    rate = data.settings["discount_rate"]
    for (mm, k), years in by_tech.items():
        rec = tech[(mm, k)]
        annuity = rec["capex"] * crf(rate, rec["lifetime"])
        for t in data.years:
            live = [m.cap_new[mm, k, tt] for tt in years if tt <= t < tt + rec["lifetime"]]
            if live and annuity:
                b.add_cost("capex", mm, t, None, annuity * sum(live))
    for (mm, k) in b.capacity_keys:
        rec = tech.get((mm, k))
        if rec is None or not rec["fixed_om"]:
            continue
        for t in data.years:
            avail = cap_avail(mm, k, t)
            if not isinstance(avail, (int, float)) or avail:
                b.add_cost("fixed_om", mm, t, None, rec["fixed_om"] * avail)
