"""Substitution between products, and the dynamic stock model it changes (formulation §15).

The demand and end-of-life flows of the deployment given as data are computed before the build
(model/demand.py) and enter the model as the demand and recyclable feedstock of each material.
Substitution is the model's choice: first-stage variable substitution[s,t] >= 0 (units of the
alternative a deployed in year t instead of units of the product p, for each row s = p -> a of the
substitution sheet, from its start year on) with

    substitution_limit[s,t]:  substitution[s,t] <= max_share[s] x min_d D_d[p,t]

(the least deployment over the demand scenarios d the run carries: the choice is first stage)

and the linear lifetime convolution of what it changes, per material m and year t (published
expressions, over (m, t)):

    demand_shift[m,t]    = sum_s substitution[s,t] x (I[a,m,t] - I[p,m,t])
    eol_outflow_shift[m,t] = sum_s sum_{c<=t} substitution[s,c] x (I[a,m,c] f_a(t-c) - I[p,m,c] f_p(t-c))
    feedstock_shift[m,t] = the same with each product's collection_rate x recycling_efficiency

The balance adds demand_shift to the demand (model/blocks/balance.py) and recycling_feedstock adds
feedstock_shift to the recyclable feedstock (model/blocks/eu_supply.py), so the end-of-life flows
follow the choice. Cost ``substitution`` = cost[s] x substitution[s,t], reported under the material
whose intensity falls most when p is replaced by a (costs sheets are by material).
"""
from __future__ import annotations

import numpy as np

from model.lp import Index


def substitution_pairs(data) -> list[str]:
    """The labels 'p -> a' of the substitution rows whose products are in the run's technologies."""
    tech = data.technologies
    if tech is None:
        return []
    return [f"{p} -> {a}" for (p, a) in data.table("substitution") if p in tech.products and a in tech.products]


def _rows(data):
    tech = data.technologies
    return [((p, a), rec) for (p, a), rec in data.table("substitution").items()
            if p in tech.products and a in tech.products]


def add_technologies(mod) -> None:
    data, lp, sp = mod.data, mod.lp, mod.space
    tech = data.technologies
    if tech is None or not sp.labels.get("s"):
        return
    T = data.years
    h0 = tech.at(T[0])  # the horizon's first year on the technology time axis
    rows = _rows(data)
    # a first-stage choice: the limit holds in every demand scenario (the least deployment; §15.1)
    techs = list(data.technologies_by.values()) or [tech]
    keys, limit, cost, lead = [], [], [], []
    for s_code, ((p, a), rec) in enumerate(rows):
        jp, ja = tech.products.index(p), tech.products.index(a)
        start = rec["start_year"] if rec["start_year"] is not None else T[0]
        drop = tech.intensity[:, jp, :] - tech.intensity[:, ja, :]  # (y, m) t/unit saved
        in_model = np.array([mm in sp.code["m"] for mm in tech.materials])
        if not in_model.any():
            continue
        k_lead = int(np.argmax(np.where(in_model, drop[h0:].sum(axis=0), -np.inf)))
        for t_code, t in enumerate(T):
            cap = rec["max_share"] * min(tc.deployment[tc.at(t), tc.products.index(p)] for tc in techs)
            if t >= start and cap > 0:
                keys.append((s_code, t_code))
                limit.append(cap)
                cost.append(rec["cost"])
                lead.append(sp.code["m"][tech.materials[k_lead]])
    if not keys:
        return
    s_arr = np.array(keys, dtype=np.int64)
    index = Index(sp, ("s", "t"), {"s": s_arr[:, 0], "t": s_arr[:, 1]})
    var = lp.var("substitution", index)
    lp.con("substitution_limit", index, var.expr(), "<=", np.array(limit))
    cost_index = sp.index(("m", "t"), [(sp.labels["m"][m], T[t]) for m, (_, t) in zip(lead, keys)])
    lp.cost("substitution", cost_index, var.expr(np.array(cost, dtype=float)))

    # the lifetime convolution of the change, over (material, year) of the horizon
    mats = [mm for mm in tech.materials if mm in sp.code["m"]]
    kk = np.array([tech.materials.index(mm) for mm in mats], dtype=np.int64)
    mt = sp.product(m=sp.codes("m", mats), t=np.arange(len(T)))
    nT = len(T)
    pair = [tech.products.index(p) for (p, _), _ in rows], [tech.products.index(a) for (_, a), _ in rows]
    jp = np.array(pair[0])[s_arr[:, 0]]
    ja = np.array(pair[1])[s_arr[:, 0]]
    c = s_arr[:, 1]  # cohort (horizon year code) of each substitution column
    yc = h0 + c  # its year on the technology axis
    I_p = tech.intensity[yc][np.arange(len(c)), jp][:, kk]  # (n, m) t/unit of the cohort
    I_a = tech.intensity[yc][np.arange(len(c)), ja][:, kk]
    # demand: in the year of deployment only
    w_dem = I_a - I_p  # (n, m)
    # outflow and feedstock: in every later year t of the horizon, by the age t - c
    age = np.arange(nT)[None, :] - c[:, None]  # (n, t)
    ok = age >= 0
    a_ = np.where(ok, age, 0)
    f_p = np.where(ok, tech.pdf[jp][np.arange(len(c))[:, None], a_], 0.0)  # (n, t)
    f_a = np.where(ok, tech.pdf[ja][np.arange(len(c))[:, None], a_], 0.0)
    w_out = I_a[:, :, None] * f_a[:, None, :] - I_p[:, :, None] * f_p[:, None, :]  # (n, m, t)
    ce = tech.collection[:, None] * tech.efficiency[:, kk]  # (p, m)
    w_feed = (ce[ja][:, :, None] * I_a[:, :, None] * f_a[:, None, :]
              - ce[jp][:, :, None] * I_p[:, :, None] * f_p[:, None, :])
    col = var.expr()
    n = len(c)
    src_d, m_d = np.nonzero(w_dem)
    dem = col.spread(src_d, m_d * nT + c[src_d], mt.n, w_dem[src_d, m_d])
    mod.publish("demand_shift", mt, dem)
    for name, w in (("eol_outflow_shift", w_out), ("feedstock_shift", w_feed)):
        src, m_i, t_i = np.nonzero(w)
        mod.publish(name, mt, col.spread(src, m_i * nT + t_i, mt.n, w[src, m_i, t_i]))
    mod.info["substitution"] = dict(rows=rows, n=n)


def technology_tables(mod, val) -> dict:
    """The results tables of technology-driven demand: demand_source, demand_by_technology (before
    substitution) and, when the model substitutes, substitution (units per pair and year) and
    demand_change (what substitution changes per material and year)."""
    import pandas as pd

    from model.demand import demand_by_technology, source_table

    data = mod.data
    if data.technologies is None:
        return {}
    out = {"demand_source": source_table(data), "demand_by_technology": demand_by_technology(data)}
    v = mod.lp.vars.get("substitution")
    if v is not None:
        sp = mod.space
        x = val.var("substitution")
        lab = sp.names("s", v.index["s"])
        years = np.array(mod.T)[v.index["t"]]
        tech = data.technologies
        dep = np.array([tech.deployment[tech.at(t), tech.products.index(s.split(" -> ")[0])]
                        for s, t in zip(lab, years)])
        out["substitution"] = pd.DataFrame({
            "product": [s.split(" -> ")[0] for s in lab], "alternative": [s.split(" -> ")[1] for s in lab],
            "year": years, "units": np.where(np.abs(x) < 1e-9, 0.0, x),
            "share_of_deployment": np.where(dep > 0, x / np.where(dep > 0, dep, 1.0), 0.0)})
        idx = mod.flows["demand_shift"][0]
        out["demand_change"] = pd.DataFrame({
            "material": idx.label("m"), "year": idx.label("t"),
            "demand_t": val.flow("demand_shift"), "eol_arising_t": val.flow("eol_outflow_shift"),
            "feedstock_t": val.flow("feedstock_shift")})
    return out
