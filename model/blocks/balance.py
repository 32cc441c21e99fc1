"""The refined-material balance of every material, year and scenario (formulation §3.3).

balance[m,t,w]: sum of refined supply (imports, EU processing, EU recycling, stock releases)
+ unmet[m,t,w] = demand[m,t] + uses (stock purchases). Cost: voll x unmet.
"""
from __future__ import annotations

import pyomo.environ as pyo


def add_balance(b) -> None:
    data, m = b.data, b.m
    idx = [(mm, t, w) for mm in data.materials for t in b.T for w in b.W]
    m.BALANCE = pyo.Set(initialize=idx, dimen=3, ordered=True)
    m.unmet = pyo.Var(m.BALANCE, within=pyo.NonNegativeReals)

    def rule(_, mm, t, w):
        supply = b.supply_terms.get((mm, t, w), [])
        uses = b.use_terms.get((mm, t, w), [])
        # variables on the left, the constant demand on the right: the dual is then d(cost)/d(demand)
        return sum(supply) + m.unmet[mm, t, w] - sum(uses) == data.demand(mm, t)

    m.balance = pyo.Constraint(m.BALANCE, rule=rule)
    for (mm, t, w) in idx:
        b.add_cost("unmet_demand", mm, t, w, data.material(mm)["voll"] * m.unmet[mm, t, w])
