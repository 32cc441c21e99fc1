"""EU mining, processing and recycling flows (formulation §3.2).

Variables: eu_mining[m,t,w] (contained material mined in the EU; a material with no EU processing
has no column: mined ore with nowhere to be refined cannot be used), eu_recycling[m,t,w] (refined
material recovered from end-of-life scrap). Expression: eu_processing[m,t,w] = processing_yield x
(ore imports, spot and contract, + EU mining) + by-product recovery from host streams
(model/blocks/byproducts.py). Constraints: mining_capacity, processing_capacity
(where anything can be refined), recycling_capacity, recycling_feedstock. Costs: variable O&M of
each stage.

Published: ``eu_mining``, ``eu_processing`` and ``eu_recycling`` over (m, t, w), and
``eu_extraction`` (EU mining in refined equivalent, processing_yield x eu_mining) for the
benchmarks.
"""
from __future__ import annotations

import numpy as np

from model.blocks.capacity import available, capacity_keys
from model.demand import recyclable


def stage_index(mod, stage: str, coproduct_members: bool = False):
    """(m, t, w) of every material with EU capacity of its own at ``stage`` (and, with
    ``coproduct_members``, every material a co-product plant yields at that stage), every year and
    scenario."""
    from model.blocks.coproducts import members

    sp = mod.space
    keys = set(capacity_keys(mod.data))
    extra = set(members(mod.data, stage)) if coproduct_members else set()
    mats = [mm for mm in mod.data.materials if (mm, stage) in keys or mm in extra]
    return sp.product(m=sp.codes("m", mats), t=np.arange(len(mod.T)), w=np.arange(len(mod.W)))


def add_eu_supply(mod) -> None:
    data, lp = mod.data, mod.lp
    tech = data.table("technology")
    mining, proc, recyc = (stage_index(mod, k) for k in ("extraction", "processing", "recycling"))
    refinable = np.isin(mining["m"], proc["m"])
    eu_mining = lp.var("eu_mining", mining.take(refinable))
    eu_recycling = lp.var("eu_recycling", recyc)
    mined = eu_mining.at(mining)
    mod.publish("eu_mining", mining, mined)
    mod.publish("eu_recycling", recyc, eu_recycling.expr())

    # eu_processing = yield x (ore from third countries + EU mining + co-product ore) + by-products
    # recovered from host streams (model/blocks/byproducts.py) + co-products yielded refined
    # (model/blocks/coproducts.py); the EU's own processing capacity bounds all but the last
    ore_index, ore = mod.flows["ore"]
    feed = ore.regroup(proc.find(ore_index.with_dims(("m", "t", "w"))), proc.n) + eu_mining.at(proc) \
        + mod.flow("coproduct_ore", proc)
    y = np.array([data.material(mm)["processing_yield"] for mm in data.materials])
    recovered = mod.flow("byproduct_feed", proc)
    own = feed * y[proc["m"]] + recovered
    proc_all = stage_index(mod, "processing", coproduct_members=True)
    processing = own.regroup(proc_all.find(proc), proc_all.n) + mod.flow("coproduct_refined", proc_all)
    mod.publish("eu_processing", proc_all, processing)
    mine_all = stage_index(mod, "extraction", coproduct_members=True)
    mod.publish("eu_extraction", mine_all, (eu_mining.at(mine_all) + mod.flow("coproduct_ore", mine_all))
                * y[mine_all["m"]])

    lp.con("mining_capacity", mining, mined - available(mod, "extraction", mining), "<=", 0.0)
    has_feed = (feed.nterms() > 0) | (recovered.nterms() > 0)
    lp.con("processing_capacity", proc.take(has_feed),
           (own - available(mod, "processing", proc)).take(has_feed), "<=", 0.0)
    lp.con("recycling_capacity", recyc, eu_recycling.expr() - available(mod, "recycling", recyc), "<=", 0.0)
    # recycling_feedstock: recycling_yield x collection_rate x end-of-life arising of (m, t); for a
    # material whose demand comes from technologies, collection x efficiency x outflow of each
    # product (model/demand.py), plus what substitution changes (model/blocks/technologies.py)
    feedstock = mod.per_material_year(lambda mm, d: recyclable(data, mm, d))
    shift = mod.flow("feedstock_shift", recyc) if "feedstock_shift" in mod.flows else 0.0
    lp.con("recycling_feedstock", recyc, eu_recycling.expr() - shift, "<=", feedstock[recyc["m"], recyc["t"], recyc["w"]])

    for stage, index, flow in (("extraction", mining, mined), ("processing", proc, own),
                               ("recycling", recyc, eu_recycling.expr())):
        vom = np.array([(tech.get((mm, stage)) or {}).get("variable_om", 0.0) or 0.0 for mm in data.materials])
        rate = vom[index["m"]]
        has = rate != 0
        lp.cost("variable_om", index.take(has), (flow * rate).take(has))

