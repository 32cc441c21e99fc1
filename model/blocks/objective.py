"""The objective (formulation §8) and the risk measure (formulation §9).

first_stage_cost = sum_t delta_t x first-stage costs_t; scenario_cost[w] = sum_t delta_t x
recourse costs_{t,w}. Risk neutral: total_cost = first_stage_cost + sum_w pi_w scenario_cost[w].
With risk_weight lambda > 0 the objective adds lambda x CVaR_alpha of the total cost in the
linear Rockafellar-Uryasev form: cvar_var (zeta, free) and cvar_excess[w] >= 0 with
cvar_tail[w]: cvar_excess[w] >= scenario_cost[w] - cvar_var.
"""
from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo
from pyomo.core.util import quicksum


def add_objective(b) -> None:
    m, data = b.m, b.data
    first, recourse = [], defaultdict(list)
    for (component, material, t, w), exprs in b.cost_terms.items():
        d = b.discount(t)
        if w is None:
            first.extend(d * e for e in exprs)
        else:
            recourse[w].extend(d * e for e in exprs)
    m.first_stage_cost = pyo.Expression(expr=quicksum(first))
    m.SCENARIOS = pyo.Set(initialize=b.W, ordered=True)
    m.scenario_cost = pyo.Expression(m.SCENARIOS, rule=lambda _, w: quicksum(recourse.get(w, [])))
    prob = data.probability
    expected = m.first_stage_cost + quicksum(prob[w] * m.scenario_cost[w] for w in b.W)
    m.expected_cost = pyo.Expression(expr=expected)
    lam = float(data.settings.get("risk_weight") or 0.0)
    if lam > 0:
        alpha = float(data.settings["cvar_alpha"])
        m.cvar_var = pyo.Var(within=pyo.Reals)
        m.cvar_excess = pyo.Var(m.SCENARIOS, within=pyo.NonNegativeReals)
        m.cvar_tail = pyo.Constraint(
            m.SCENARIOS, rule=lambda _, w: m.cvar_excess[w] >= m.scenario_cost[w] - m.cvar_var)
        # CVaR of the total cost: the first-stage cost is the same in every scenario
        m.cvar = pyo.Expression(expr=m.first_stage_cost + m.cvar_var + (1.0 / (1.0 - alpha)) * quicksum(
            prob[w] * m.cvar_excess[w] for w in b.W))
        m.total_cost = pyo.Objective(expr=m.expected_cost + lam * m.cvar, sense=pyo.minimize)
    else:
        m.total_cost = pyo.Objective(expr=m.expected_cost, sense=pyo.minimize)
