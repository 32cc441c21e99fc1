"""Third-country sourcing (formulation §3.1): refined imports and ore/concentrate imports.

Variables: imp_ref[m,c,t,w] (refined material bought spot from third country c), imp_conc[m,c,t,w]
(contained material in ore/concentrate bought spot from c, refined in the EU). Contract deliveries
(model/blocks/purchasing.py) come on top. Constraint: supply_limit[m,c,k,t,w] (spot + contract
deliveries within what the country can sell, net of disruption). Costs: purchases at the
scenario's prices (or at tier prices, for offers with volume-discount tiers).

Published for the other blocks: ``refined`` and ``ore`` over (m, c, t, w), what each third country
delivers (spot and contract) as refined material and as ore for EU refining.
"""
from __future__ import annotations

import numpy as np

from model.blocks import purchasing
from model.lp import stack, union

STAGE_FLOW = {"processing": ("imp_ref", "refined"), "extraction": ("imp_conc", "ore")}


def upstream_shares(data) -> dict:
    """(material, refiner) -> {origin: share}; a refiner without rows refines its own ore."""
    out = {}
    for (mm, r, o), rec in data.table("upstream").items():
        out.setdefault((mm, r), {})[o] = rec["share"]
    return out


def add_sourcing(mod) -> None:
    data, lp, sp = mod.data, mod.lp, mod.space
    supply = data.table("supply")
    purchasing.add_contracts(mod)
    tiered = purchasing.tiers_by_offer(data)
    wcodes = np.arange(len(data.scenarios))
    _, take = mod.flows["contract_take"]
    take_mck = mod.info["contract_take"]
    spot, limits, bounds, tiered_offers, terms = {}, [], [], [], {}
    nw = len(wcodes)
    for stage, (var_name, flow_name) in STAGE_FLOW.items():
        keys = [(mm, c, t) for (mm, c, k, t) in supply if k == stage and mm in sp.code["m"]]
        offers = sp.index(("m", "c", "t"), keys).repeat("w", wcodes)
        spot[stage] = lp.var(var_name, offers)
        # the offer's terms, the same in every scenario (scenario fastest in the index)
        rec = [supply[(mm, c, stage, t)] for (mm, c, t) in keys]
        terms[stage] = [np.repeat(np.array([r[f] for r in rec], dtype=float), nw) for f in ("available", "price")]
        terms[stage].append(np.repeat(np.array([(mm, c, stage) in tiered for (mm, c, _) in keys], dtype=bool), nw))
    for stage, (var_name, flow_name) in STAGE_FLOW.items():
        v = spot[stage]
        offers = v.index
        # deliveries of contracts at this stage, onto (m, c, t, w)
        k = sp.code["k"].get(stage, -1)
        mine = np.flatnonzero(take_mck["k"] == k)
        delivered_at = take_mck.take(mine).with_dims(("m", "c", "t", "w"))
        index = union(offers, delivered_at) if len(mine) else offers
        flow = v.at(index) + take.take(mine).regroup(index.find(delivered_at), index.n)
        mod.publish(flow_name, index, flow)

        # supply_limit: spot + contract deliveries <= available x (1 - lost); a full loss bounds
        # even an unlimited offer at zero
        full = offers.with_dims(("m", "c", "k", "t", "w"), k=k)
        lost, mult = mod.disruption(full)
        cap, price, is_tiered = terms[stage]
        limited = np.isfinite(cap) | (lost >= 1)
        with np.errstate(invalid="ignore"):  # an unlimited offer fully lost: inf x 0, masked
            bound = np.where(lost >= 1, 0.0, cap * (1.0 - lost))
        at = index.find(offers)
        limits.append((full.take(limited), flow.take(at[limited])))
        bounds.append(bound[limited])

        lp.cost("purchases", offers.take(~is_tiered), v.expr(price * mult).take(~is_tiered))
        if is_tiered.any():
            tiered_offers.append((full.take(is_tiered), v.expr().take(is_tiered)))
    for offers, volume in tiered_offers:
        purchasing.add_tiers(mod, offers, volume)
    index, expr = stack(*limits)
    lp.con("supply_limit", index, expr, "<=", np.concatenate(bounds))
