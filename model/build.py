"""Build the one model of a ModelData: the blocks in sequence, each declaring its families once.

The model is always the extensive form over the scenario set W; a deterministic run is the case
|W| = 1 (scenario 'nominal', probability 1), not a second code path. First-stage decisions
(capacity, stock targets, contract volumes) carry no scenario index; recourse decisions (flows,
stock releases, unmet demand) carry one. The result is an ``LP`` (model/lp.py) that the backends
(model/backends/) hand to HiGHS or turn into a Pyomo model, and that model/results.py reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model import registry as R
from model.data import ModelData
from model.lp import LP, Expr, Index, Space, gather


def discount_factor(data: ModelData, t: int) -> float:
    """(1 + discount rate) ^ -(t - base year): the present value of one EUR of year t."""
    r = data.settings["discount_rate"]
    return (1.0 + r) ** -(t - data.base_year)


@dataclass
class Model:
    """One built model: the data it was built from, its LP, and the quantities blocks share.

    ``flows``: name -> (Index, Expr) of the quantities one block publishes for the others
    (``cap_avail`` over (m, k, t); ``refined`` and ``ore`` over (m, c, t, w): third-country
    supply by country, spot and contract; ``eu_extraction``, ``eu_processing``, ``eu_recycling``
    over (m, t, w) in refined equivalent; ``balance_supply`` over (m, t, w)).
    """

    data: ModelData
    lp: LP
    flows: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # what the results need besides values (per block)

    @property
    def space(self) -> Space:
        return self.lp.space

    @property
    def W(self) -> list:
        return self.data.scenarios

    @property
    def T(self) -> list:
        return self.data.years

    def discount(self, t: int) -> float:
        return discount_factor(self.data, t)

    def weight(self, t: int, w) -> float:
        """Objective weight of a cost in year t: discount factor x scenario probability."""
        p = 1.0 if w is None else self.data.probability[w]
        return self.discount(t) * p

    def weights(self, index) -> np.ndarray:
        """``weight`` of each key of an index with a year (t) and perhaps a scenario (w)."""
        disc = np.array([self.discount(t) for t in self.T])[index["t"]]
        if "w" not in index.dims:
            return disc
        prob = np.array([self.data.probability[w] for w in self.W])
        return disc * prob[index["w"]]

    # ---- shared look-ups -------------------------------------------------------------------
    def flow(self, name: str, query: Index, coef=1.0) -> Expr:
        """``coef x`` the published quantity ``name`` at each key of ``query`` (0 where absent)."""
        index, expr = self.flows[name]
        pos = index.find(query)
        return expr.take(pos) * coef

    def publish(self, name: str, index: Index, expr: Expr) -> None:
        self.flows[name] = (index, expr)

    def per_material_year(self, f) -> np.ndarray:
        """f(material, demand row) per (material code, year code, scenario code): each scenario
        reads the demand table of its demand scenario (formulation §15.1); 0 where there is no row."""
        sp = self.space
        out = np.zeros((sp.size("m"), sp.size("t"), sp.size("w")))
        tables = {}
        for w_code, w in enumerate(self.W):
            table = self.data.demand_table(w)
            if id(table) in tables:  # scenarios with the same demand share one pass
                out[:, :, w_code] = out[:, :, tables[id(table)]]
                continue
            tables[id(table)] = w_code
            for (mm, t), rec in table.items():
                if mm in sp.code["m"] and t in sp.code["t"]:
                    out[sp.code["m"][mm], sp.code["t"][t], w_code] = f(mm, rec)
        return out

    def demand(self) -> np.ndarray:
        """Demand per (material code, year code, scenario code)."""
        return self.per_material_year(lambda mm, rec: rec["demand"])

    def peak_demand(self) -> np.ndarray:
        """The largest demand over the scenarios per (material code, year code): the basis of the
        first-stage rows that read consumption (formulation §15.1)."""
        d = self.demand()
        return d.max(axis=2) if d.shape[2] else d[:, :, 0]

    def disruption(self, query: Index) -> tuple[np.ndarray, np.ndarray]:
        """(lost share, price multiplier) of each (m, c, k, t, w) key of ``query``."""
        index, lost, mult = self.info["disruption"]
        pos = index.find(query)
        return gather(lost, pos, 0.0), gather(mult, pos, 1.0)


def _disruptions(data: ModelData, sp: Space):
    keys, lost, mult = [], [], []
    for w, events in data.disruption.items():
        if w not in sp.code["w"]:
            continue
        for (mm, c, k, t), (share, m) in events.items():
            if mm in sp.code["m"] and t in sp.code["t"]:
                keys.append((mm, c, k, t, w))
                lost.append(share)
                mult.append(m)
    return sp.index(("m", "c", "k", "t", "w"), keys), np.array(lost, float), np.array(mult, float)


def space_of(data: ModelData) -> Space:
    from model.blocks.purchasing import contracts_in_model
    from model.blocks.technologies import substitution_pairs

    tiers = data.table("tiers")
    n_tiers = max([sum(1 for key in tiers if key[:3] == k[:3]) for k in tiers] + [0])
    hosts = sorted({h for (_, h) in data.table("byproducts")} | {h for (h, _, _) in data.table("host_output")})
    # co-product groups own capacity like materials: they follow the materials in dimension m (and
    # g, the same labels, names the group of a group-member pair)
    owners = list(data.materials) + sorted({g for (g, m) in data.table("coproducts") if m in data.materials}
                                           - set(data.materials))
    return Space(m=owners, c=data.countries, k=list(R.STAGES), t=data.years, w=data.scenarios,
                 x=list(contracts_in_model(data)), j=list(range(1, n_tiers + 1)), h=hosts, g=owners,
                 s=substitution_pairs(data))


def build(data: ModelData) -> Model:
    from model.blocks import (balance, benchmarks, byproducts, capacity, coproducts, eu_supply, objective, sourcing,
                              stockpile, technologies)
    from model.transform import propagate_host_disruptions, soften

    if data.settings.get("soft_benchmarks") == "yes":
        data = soften(data)
    data = propagate_host_disruptions(data)
    sp = space_of(data)
    mod = Model(data, LP(sp))
    mod.info["disruption"] = _disruptions(data, sp)
    technologies.add_technologies(mod)
    capacity.add_capacity(mod)
    coproducts.add_coproducts(mod)
    sourcing.add_sourcing(mod)
    byproducts.add_recovery(mod)
    eu_supply.add_eu_supply(mod)
    byproducts.add_host_limits(mod)
    stockpile.add_stockpile(mod)
    balance.add_balance(mod)
    benchmarks.add_benchmarks(mod)
    objective.add_objective(mod)
    return mod
