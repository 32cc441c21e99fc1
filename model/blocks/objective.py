"""The objective (formulation §8): discounted first-stage costs plus expected recourse costs."""
from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.util import quicksum


def add_objective(b) -> None:
    terms = []
    for (component, material, t, w), exprs in b.cost_terms.items():
        weight = b.weight(t, w)
        terms.extend(weight * e for e in exprs)
    b.m.total_cost = pyo.Objective(expr=quicksum(terms), sense=pyo.minimize)
