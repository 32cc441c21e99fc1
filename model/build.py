"""Build the Pyomo model from ModelData: one call per topic block, then balance and objective.

The model is always the extensive form over the scenario set W; a deterministic run is the case
|W| = 1 (scenario 'nominal', probability 1), not a second code path. First-stage decisions
(capacity, stock targets) carry no scenario index; recourse decisions (flows, stock releases,
unmet demand) carry one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyomo.environ as pyo

from model.data import ModelData


@dataclass
class Builder:
    """Shared state of one build: the model, the data and the accumulators blocks write into."""

    data: ModelData
    m: pyo.ConcreteModel = field(default_factory=pyo.ConcreteModel)
    # refined supply into / use out of the balance of (material, year, scenario)
    supply_terms: dict = field(default_factory=lambda: defaultdict(list))
    use_terms: dict = field(default_factory=lambda: defaultdict(list))
    # cost terms: (component, material, year, scenario or None for first stage) -> [expr]
    cost_terms: dict = field(default_factory=lambda: defaultdict(list))
    # benchmark metadata for the results: component name -> dict(benchmark, basis, sense, ...)
    benchmark_meta: dict = field(default_factory=dict)
    integer_vars: list = field(default_factory=list)

    @property
    def W(self):
        return self.data.scenarios

    @property
    def T(self):
        return self.data.years

    def add_cost(self, component: str, material: str, year: int, scenario, expr) -> None:
        self.cost_terms[(component, material, year, scenario)].append(expr)

    def discount(self, t: int) -> float:
        return discount_factor(self.data, t)

    def weight(self, t: int, w) -> float:
        """Objective weight of a cost in year t: discount factor x scenario probability."""
        p = 1.0 if w is None else self.data.probability[w]
        return self.discount(t) * p


def discount_factor(data: ModelData, t: int) -> float:
    """(1 + discount rate) ^ -(t - base year): the present value of one EUR of year t."""
    r = data.settings["discount_rate"]
    return (1.0 + r) ** -(t - data.base_year)


def build(data: ModelData) -> Builder:
    from model.blocks import balance, benchmarks, capacity, eu_supply, objective, sourcing, stockpile

    if data.settings.get("soft_benchmarks") == "yes":
        from model.explain import soften

        data = soften(data)
    b = Builder(data)
    b.m.name = data.settings.get("case_name", "case")
    capacity.add_capacity(b)
    sourcing.add_sourcing(b)
    eu_supply.add_eu_supply(b)
    stockpile.add_stockpile(b)
    balance.add_balance(b)
    benchmarks.add_benchmarks(b)
    objective.add_objective(b)
    return b
