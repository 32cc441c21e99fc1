"""By-products and their hosts (formulation §3.4).

Gallium is recovered from the Bayer liquor of alumina refineries, germanium from zinc-smelting
residues: a by-product b rides on a host h (sheet ``byproducts``: content per tonne of host
throughput, recovery share of a recovery plant, which host stage carries it).

* EU recovery ``byproduct_recovery[b,h,t,w]`` (t of b) is EU processing of b: it enters
  ``eu_processing[b]`` (model/blocks/eu_supply.py), so it uses b's processing capacity (the recovery
  plant, built like any capacity: capex, O&M, lead time, build limits, modules), pays b's variable
  O&M, feeds the balance, and counts toward the processing benchmark, never the extraction one
  (the JRC assesses gallium and germanium at the processing stage; one plant, one stage).
* ``byproduct_host_limit[b,h,t,w]``: recovery <= content x recovery x EU host throughput, where the
  throughput is the model's own EU flow of h at ``host_stage`` when h is a material of the model
  (couples b to h) and the data of sheet ``host_output`` (country EU) otherwise.
* ``byproduct_supply_limit[b,c,t,w]``: what third country c supplies of b (refined, spot and
  contract) <= content x recovery x c's host output (sheet host_output) x (1 - the share of that
  host output a disruption removes). Disruptions of a host reach its by-products in the data
  (``model/transform.propagate_host_disruptions``): prices, stock releases and these bounds alike.

``add_recovery`` runs before model/blocks/eu_supply.py (the recovery flows join EU processing),
``add_host_limits`` after it (the host bound reads the EU flows of modelled hosts).
"""
from __future__ import annotations

import numpy as np

from model.lp import Expr, stack


def byproduct_rows(data) -> list:
    """[(by-product, host, row)] of the by-products of the model's materials, in sheet order."""
    return [(b, h, rec) for (b, h), rec in data.table("byproducts").items() if b in data.materials]


def add_recovery(mod) -> None:
    """Declare ``byproduct_recovery`` where the by-product can be processed in the EU and publish
    ``byproduct_feed`` over (m, t, w): the refined output recovery adds to EU processing."""
    from model.blocks.eu_supply import stage_index

    data, lp, sp = mod.data, mod.lp, mod.space
    rows = byproduct_rows(data)
    proc = stage_index(mod, "processing")
    mats = set(proc["m"].tolist())
    keys = [(b, h) for b, h, _ in rows if sp.code["m"][b] in mats]
    idx = sp.index(("m", "h"), keys).repeat("t", np.arange(len(mod.T))).repeat("w", np.arange(len(mod.W)))
    rec = lp.var("byproduct_recovery", idx)
    mod.publish("byproduct_feed", proc, rec.expr().regroup(proc.find(idx.with_dims(("m", "t", "w"))), proc.n))


def add_host_limits(mod) -> None:
    """byproduct_host_limit (EU) and byproduct_supply_limit (third countries)."""
    data, lp, sp = mod.data, mod.lp, mod.space
    rec = lp.vars["byproduct_recovery"]
    idx = rec.index
    factor = {(b, h): r["content"] * r["recovery"] for b, h, r in byproduct_rows(data)}
    stage = {(b, h): r["host_stage"] for b, h, r in byproduct_rows(data)}
    if idx.n:
        mh = list(zip(idx.label("m").tolist(), idx.label("h").tolist()))
        f = np.array([factor[k] for k in mh])
        host_flow = Expr(idx.n)
        modelled = np.array([h in sp.code["m"] for _, h in mh], dtype=bool)
        for k in ("processing", "extraction"):
            sel = modelled & np.array([stage[p] == k for p in mh], dtype=bool)
            if sel.any():
                name = "eu_processing" if k == "processing" else "eu_mining"
                host_m = np.array([sp.code["m"][h] for _, h in mh])[sel]
                q = idx.take(sel).with_dims(("m", "t", "w"), m=host_m)
                host_flow = host_flow + mod.flow(name, q).regroup(np.flatnonzero(sel), idx.n)
        eu = host_output(data, sp, [(h, "EU") for _, h in mh], idx["t"])
        host_flow = host_flow + np.where(modelled, 0.0, eu)
        mod.publish("byproduct_host_throughput", idx, host_flow)
        lp.con("byproduct_host_limit", idx, rec.expr() - host_flow * f, "<=", 0.0)
    _third_country_limits(mod, factor, stage)


def host_output(data, sp, host_country, t_codes) -> np.ndarray:
    """Host output (sheet host_output) of each (host, country) at each year code; 0 where none."""
    table = data.table("host_output")
    years = sp.labels["t"]
    return np.array([table.get((h, c, years[t]), {}).get("output", 0.0)
                     for (h, c), t in zip(host_country, t_codes.tolist())], dtype=float)


def _third_country_limits(mod, factor, stage) -> None:
    data, lp, sp = mod.data, mod.lp, mod.space
    table = data.table("host_output")
    limited = {(h, c) for (h, c, _) in table if c != "EU"}
    parts, bounds = [], []
    for name in ("refined",):
        index, flow = mod.flows[name]
        by_b = {}
        for (b, h), f in factor.items():
            by_b.setdefault(b, []).append((h, f))
        # the (by-product, country) pairs with a host output limited in that country, as a mask
        # over the material and country codes of the flow's keys
        pair = np.zeros((sp.size("m"), sp.size("c")), dtype=bool)
        for b, hosts in by_b.items():
            for h, _ in hosts:
                for c in {c for (hh, c) in limited if hh == h and c in sp.code["c"]}:
                    if b in sp.code["m"]:
                        pair[sp.code["m"][b], sp.code["c"][c]] = True
        rows = np.flatnonzero(pair[index["m"], index["c"]])
        if not len(rows):
            continue
        sub = index.take(rows)
        cap = np.zeros(len(rows))
        for j, r in enumerate(rows.tolist()):
            b, c = sp.labels["m"][index["m"][r]], sp.labels["c"][index["c"][r]]
            t = sp.labels["t"][index["t"][r]]
            w = sp.labels["w"][index["w"][r]]
            for h, f in by_b[b]:
                out = table.get((h, c, t), {}).get("output")
                if out is None:
                    continue
                lost = data.disruption.get(w, {}).get((h, c, stage[(b, h)], t), (0.0, 1.0))[0]
                cap[j] += f * out * (1.0 - lost)
        parts.append((sub, flow.take(rows)))
        bounds.append(cap)
    if parts:
        index, expr = stack(*parts)
        lp.con("byproduct_supply_limit", index, expr, "<=", np.concatenate(bounds))
