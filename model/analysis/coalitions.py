"""Joint purchasing as a cooperative game (formulation §12): who saves, who pays what.

A coalition S of buyers is a data transformation (``coalition_data``): its demand is its members'
own demand; prices, tier thresholds, plant sizes and unit costs are the same for every coalition
(that is where pooling can pay); every limited resource is shared out in proportion to the
coalition's share of the demand: what suppliers can sell (offer availability), existing EU
capacity, reserves for new mines, how fast capacity can be built, end-of-life arisings, the initial stock and its limit, and
contracts without a named buyer; a contract held by a buyer goes with that buyer. Without tiers,
modules and buyer-held contracts the game is additive (c(S) proportional to demand), so savings
measure economies of scale, not one buyer taking another's share of a scarce offer. c(S) is the
optimal cost of the coalition's own model.

* individual purchasing: every buyer alone, tiers on its own volume: sum_b c({b});
* joint purchasing: the grand coalition, tiers on the pooled volume: c(N);
* allocations of c(N): volume-proportional (per material, by each buyer's share of the volume)
  and the Shapley value (exact over all 2^n - 1 coalitions up to ``EXACT_MAX`` buyers, otherwise
  estimated from random orders with its standard error);
* checks: each buyer pays no more than alone (individual rationality), and, with the exact game,
  no coalition pays more than it would alone (the core), naming the coalitions that would leave.
"""
from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field

import pandas as pd

from model import registry as R
from model.data import ModelData

EXACT_MAX = 8
TOL = 1e-6


def buyers_of(data: ModelData) -> list[str]:
    return sorted({bu for (bu, _, _) in data.table("buyers")})


def buyer_demand(data: ModelData, members) -> dict:
    """(material, year) -> the members' demand."""
    out = {}
    for (bu, mm, t), rec in data.table("buyers").items():
        if bu in members:
            out[(mm, t)] = out.get((mm, t), 0.0) + rec["demand"]
    return out


def coalition_data(data: ModelData, members) -> ModelData:
    """The model of coalition ``members`` alone (see the module docstring)."""
    members = set(members)
    new = data.copy()
    dem = buyer_demand(data, members)
    share = {}
    for mm in data.materials:
        total = sum(data.demand(mm, t) for t in data.years)
        share[mm] = sum(dem.get((mm, t), 0.0) for t in data.years) / total if total > 0 else 0.0
    T = new.tables
    for (mm, t), rec in T["demand"].items():
        d = data.demand(mm, t)
        rec["eol_arising"] *= (dem.get((mm, t), 0.0) / d) if d > 0 else 0.0
        if "feedstock" in rec:  # technology-driven (model/demand.py)
            rec["feedstock"] *= (dem.get((mm, t), 0.0) / d) if d > 0 else 0.0
        rec["demand"] = dem.get((mm, t), 0.0)
    for (mm, k, t), rec in T["capacity_existing"].items():
        rec["capacity"] *= share[mm]
    for (mm, k), rec in T["technology"].items():
        for col in ("max_capacity", "max_build_per_year"):
            if rec[col] < R.UNLIMITED:
                rec[col] *= share[mm]
    for mm, rec in T["stockpile"].items():
        rec["initial_stock"] *= share[mm]
        if rec["max_stock"] < R.UNLIMITED:
            rec["max_stock"] *= share[mm]
    for key, rec in T["supply"].items():
        if rec["available"] < R.UNLIMITED:
            rec["available"] *= share[key[0]]
    T["contracts"] = {k: rec for k, rec in T["contracts"].items()
                      if not rec["buyer"] or rec["buyer"] in members}
    for rec in T["contracts"].values():
        if not rec["buyer"] and rec["material"] in share:
            rec["min_take"] *= share[rec["material"]]
            rec["max_take"] *= share[rec["material"]]
    T["buyers"] = {key: rec for key, rec in T["buyers"].items() if key[0] in members}
    new.settings["stochastic_reports"] = "no"
    new.settings["purchasing_reports"] = "no"
    return new


@dataclass
class Game:
    data: ModelData
    buyers: list[str]
    costs: dict = field(default_factory=dict)  # frozenset -> cost
    runs: dict = field(default_factory=dict)   # frozenset -> Run (singletons and the grand coalition)
    progress: object = None

    def cost(self, members) -> float:
        key = frozenset(members)
        if not key:
            return 0.0
        if key not in self.costs:
            from model.solve import Run, solve_model

            data = coalition_data(self.data, key)
            _, sol, results, _, timings = solve_model(data)
            run = Run(data, results, sol, timings)
            self.costs[key] = run.solution.objective
            if len(key) == 1 or len(key) == len(self.buyers):
                self.runs[key] = run
            if self.progress:
                self.progress(len(self.costs), key)
        return self.costs[key]


def shapley_exact(game: Game) -> dict:
    n = len(game.buyers)
    phi = {}
    for i in game.buyers:
        others = [b for b in game.buyers if b != i]
        total = 0.0
        for r in range(n):
            weight = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
            for S in itertools.combinations(others, r):
                total += weight * (game.cost(set(S) | {i}) - game.cost(S))
        phi[i] = total
    return phi


def shapley_sampled(game: Game, orders: int = 200, seed: int = 0) -> tuple[dict, dict]:
    """Shapley value from random orders of arrival: estimate and standard error per buyer."""
    rng = random.Random(seed)
    samples = {b: [] for b in game.buyers}
    for _ in range(orders):
        order = list(game.buyers)
        rng.shuffle(order)
        before = []
        for b in order:
            samples[b].append(game.cost(before + [b]) - game.cost(before))
            before.append(b)
    est = {b: sum(v) / len(v) for b, v in samples.items()}
    se = {b: (math.sqrt(sum((x - est[b]) ** 2 for x in v) / (len(v) - 1) / len(v)) if len(v) > 1 else 0.0)
          for b, v in samples.items()}
    return est, se


def volume_shares(game: Game) -> dict:
    """Volume-proportional allocation of the joint cost: per material, by share of the volume."""
    grand = frozenset(game.buyers)
    game.cost(grand)
    run = game.runs[grand]
    by_material = run.results["cost_summary"].groupby("material")["present_value_eur"].sum()
    out = {b: 0.0 for b in game.buyers}
    for mm, cost in by_material.items():
        vols = {b: sum(buyer_demand(game.data, {b}).get((mm, t), 0.0) for t in game.data.years)
                for b in game.buyers}
        total = sum(vols.values())
        for b in game.buyers:
            out[b] += cost * (vols[b] / total if total > 0 else 1.0 / len(game.buyers))
    return out


@dataclass
class PurchasingReport:
    tables: dict


def purchasing_report(data: ModelData, exact_max: int = EXACT_MAX, orders: int = 200,
                      progress=None) -> PurchasingReport:
    buyers = buyers_of(data)
    if len(buyers) < 2:
        raise ValueError("joint purchasing needs at least two buyers (sheet buyers)")
    game = Game(data, buyers, progress=progress)
    grand = frozenset(buyers)
    joint = game.cost(grand)
    alone = {b: game.cost({b}) for b in buyers}
    exact = len(buyers) <= exact_max
    if exact:
        phi, se = shapley_exact(game), {b: 0.0 for b in buyers}
    else:
        phi, se = shapley_sampled(game, orders=orders)
    prop = volume_shares(game)
    alloc = pd.DataFrame([dict(
        buyer=b, alone_eur=alone[b], volume_share_eur=prop[b], shapley_eur=phi[b], shapley_se_eur=se[b],
        savings_shapley_eur=alone[b] - phi[b], savings_volume_eur=alone[b] - prop[b],
        pays_no_more_than_alone_shapley=phi[b] <= alone[b] + TOL * max(1.0, abs(alone[b])),
        pays_no_more_than_alone_volume=prop[b] <= alone[b] + TOL * max(1.0, abs(alone[b])))
        for b in buyers])
    summary = pd.DataFrame([
        ("individual purchasing: sum of costs alone", sum(alone.values())),
        ("joint purchasing: cost of the grand coalition", joint),
        ("savings of joint over individual", sum(alone.values()) - joint),
        ("Shapley value", "exact" if exact else f"sampled from {orders} random orders"),
    ], columns=["item", "value"])
    core_rows = []
    if exact:
        for r in range(1, len(buyers)):
            for S in itertools.combinations(buyers, r):
                pays = sum(phi[b] for b in S)
                c = game.cost(S)
                core_rows.append(dict(coalition="+".join(S), cost_alone_eur=c, shapley_sum_eur=pays,
                                      excess_eur=pays - c, would_leave=pays > c + TOL * max(1.0, abs(c))))
    core = pd.DataFrame(core_rows, columns=["coalition", "cost_alone_eur", "shapley_sum_eur", "excess_eur",
                                            "would_leave"])
    coalitions = pd.DataFrame([dict(coalition="+".join(sorted(k)), size=len(k), cost_eur=v)
                               for k, v in sorted(game.costs.items(), key=lambda kv: (len(kv[0]), sorted(kv[0])))])
    plans, suppliers = compare_plans(game)
    return PurchasingReport({"purchasing_summary": summary, "allocation": alloc, "core_check": core,
                             "coalition_costs": coalitions, "plans": plans, "plan_suppliers": suppliers})


def compare_plans(game: Game):
    """Individual plans (each buyer alone) and the joint plan side by side."""
    rows, sup = [], []
    plans = [(f"individual: {b}", frozenset({b})) for b in game.buyers] + [("joint", frozenset(game.buyers))]
    for name, key in plans:
        game.cost(key)
        run = game.runs[key]
        res, data = run.results, run.data
        comp = res["compliance"]
        sc = res["scenario_costs"]
        row = dict(plan=name, cost_eur=run.solution.objective,
                   benchmark_rows_missed=int((~comp["met"]).sum()) if len(comp) else 0,
                   unmet_expected_t=float((res["unmet"].assign(p=res["unmet"]["scenario"].map(data.probability))
                                           .eval("unmet_t * p")).sum()))
        singles = comp.loc[comp["benchmark"] == "single_country"] if len(comp) else comp
        row["largest_third_country_share"] = float(singles["achieved_share"].max()) if len(singles) else None
        for _, r in sc.iterrows():
            if r["scenario"] in data.probability:
                row[f"cost_if_{r['scenario']}_eur"] = r["total_eur"]
        rows.append(row)
        src = res["sourcing"]
        src = src.loc[src["country"] != R.DOMESTIC].assign(p=lambda d: d["scenario"].map(data.probability))
        agg = (src.assign(expected_t=src["value_t"] * src["p"])
               .groupby(["material", "stage", "country"], as_index=False)["expected_t"].sum())
        agg.insert(0, "plan", name)
        sup.append(agg)
    return pd.DataFrame(rows), (pd.concat(sup, ignore_index=True) if sup else pd.DataFrame())
