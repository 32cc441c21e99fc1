"""The refined-material balance of every material, year and scenario (formulation §3.3).

balance[m,t,w]: refined supply (third-country refined imports, spot and contract; EU processing;
EU recycling; stock releases and the final drawdown) + unmet[m,t,w] - stock purchases
= demand[m,t,w], with 0 <= unmet[m,t,w] <= demand[m,t,w] (demand not served; it cannot buy
stock); demand[m,t,w] is that of the demand scenario w carries (§15.1).
Cost: voll x unmet. The dual of a row is the cost of one more tonne of demand.
"""
from __future__ import annotations

import numpy as np


def add_balance(mod) -> None:
    data, lp, sp = mod.data, mod.lp, mod.space
    idx = sp.product(m=np.arange(len(data.materials)), t=np.arange(len(mod.T)), w=np.arange(len(mod.W)))
    demand = mod.demand()[idx["m"], idx["t"], idx["w"]]  # the scenario's demand (§15.1)
    # unmet demand is demand not served: at most the demand (it cannot pay for stock purchases)
    unmet = lp.var("unmet", idx, upper=demand)
    ref_index, refined = mod.flows["refined"]
    supply = refined.regroup(idx.find(ref_index.with_dims(("m", "t", "w"))), idx.n)
    for name in ("eu_processing", "eu_recycling", "stock_supply"):
        supply = supply + mod.flow(name, idx)
    body = supply + unmet.expr() - mod.flow("stock_use", idx)
    if "demand_shift" in mod.flows:  # substitution changes the demand (model/blocks/technologies.py)
        body = body - mod.flow("demand_shift", idx)
    mod.publish("balance_supply", idx, supply)
    lp.con("balance", idx, body, "==", demand)
    voll = np.array([data.material(mm)["voll"] for mm in data.materials])
    lp.cost("unmet_demand", idx, unmet.expr(voll[idx["m"]]))
