"""Scenario transformations and the value of the stochastic solution (formulation §9, §10).

The scenario transformations (``expected_value_data``: the expected-value problem, one scenario
'expected' whose supply losses and price multipliers are the probability-weighted means of the
scenarios'; ``scenario_data``: one scenario alone with probability 1) live in model/transform.py.

* ``value_of_information`` (WS by material: ``wait_and_see``): solves RP (the stochastic programme, given), EV, EEV (the stochastic
  programme with the first-stage decisions fixed at the EV solution), and WS (each scenario alone),
  and reports VSS = EEV - RP and EVPI = RP - WS. Both are computed for the risk-neutral objective.
* ``generate_single_country``: every single-country disruption of chosen materials and stages, at
  chosen severities, durations and start years, with probabilities from annual disruption rates.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

import numpy as np

from model.data import ModelData
from model.errors import ModelError
from model.transform import (EV_SCENARIO, expected_value_data, materials_split,  # noqa: F401
                             propagate_host_disruptions, risk_neutral, scenario_data)

FIRST_STAGE_VARS = ("cap_new_cont", "n_modules", "stock_target", "substitution")


def _solve(data):
    """Build and solve ``data``: (model, HighsLP, SolveResult), or None when it has no solution."""
    from model.backends.highs import solve
    from model.build import build

    mod = build(data)
    try:
        sol, hm = solve(mod)
    except ModelError:
        return None
    return mod, hm, sol


def _fixed_at(rp, ev) -> float | None:
    """The objective of model ``rp`` with its first-stage columns fixed at the values of the same
    decisions in solved model ``ev`` (bounds changed in place, warm re-solve, bounds restored);
    None when that is infeasible."""
    from model.backends.highs import Status

    rp_mod, hm, _ = rp
    ev_mod, _, ev_sol = ev
    cols, values = [], []
    for name in FIRST_STAGE_VARS:
        v, w = rp_mod.lp.vars.get(name), ev_mod.lp.vars.get(name)
        if v is None or w is None or not v.n:
            continue
        pos = w.index.find(v.index)
        x = ev_sol.x[w.start + np.maximum(pos, 0)]
        x = np.round(x) if name == "n_modules" else np.maximum(0.0, x)
        ok = pos >= 0
        cols.append(v.start + np.flatnonzero(ok))
        values.append(x[ok])
    cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    values = np.concatenate(values) if values else np.zeros(0)
    hm.set_col_bounds(cols, values, values)
    try:
        status = hm.run()
        return hm.objective_value() if status == Status.optimal else None
    finally:
        hm.set_col_bounds(cols, hm.col_lower[cols], hm.col_upper[cols])


@dataclass
class ValueOfInformation:
    rp: float
    ev: float
    eev: float | None  # None: the EV decisions are infeasible in some scenario
    ws: float

    @property
    def vss(self) -> float:
        """EEV - RP; blank (NaN) when the EV decisions are infeasible in some scenario (the value
        of the stochastic solution is then unbounded: the EV plan cannot be carried out)."""
        return float("nan") if self.eev is None else self.eev - self.rp

    @property
    def evpi(self) -> float:
        return self.rp - self.ws

    def table(self) -> pd.DataFrame:
        rows = [
            ("RP", self.rp, "recourse problem: the stochastic programme (expected cost)"),
            ("EV", self.ev, "expected-value problem: one scenario with mean supply losses and prices"),
            ("EEV", self.eev, "the stochastic programme with the first-stage decisions (capacity, "
                              "stock targets) fixed at the EV solution"
                              + ("" if self.eev is not None else "; infeasible in some scenario")),
            ("WS", self.ws, "wait-and-see: sum over scenarios of probability x the cost of that "
                            "scenario solved alone"),
            ("VSS", self.vss, "value of the stochastic solution = EEV - RP (>= 0)"
                              + ("" if self.eev is not None else "; unbounded: the EV plan is infeasible in some "
                                 "scenario, so the value is left blank")),
            ("EVPI", self.evpi, "expected value of perfect information = RP - WS (>= 0)"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value_eur", "definition"])


def value_of_information(data: ModelData, progress=None, rp=None) -> ValueOfInformation:
    """Solve RP, EV, EEV and WS for ``data`` (risk-neutral) and return VSS and EVPI.

    ``rp``: the (model, HighsLP, SolveResult) of the stochastic programme already solved
    (risk neutral); EEV is then that same model with the first stage fixed at the EV solution by
    column bounds and re-solved warm, not rebuilt. EV and each wait-and-see problem are one
    scenario each."""
    base = risk_neutral(data)
    if rp is None or float(data.settings.get("risk_weight") or 0.0) > 0:
        rp = _solve(base)
        if rp is None:
            raise ModelError("The stochastic programme has no solution; VSS and EVPI are undefined.")
    ev = _solve(expected_value_data(base))
    if ev is None:
        raise ModelError("The expected-value problem has no solution; VSS is undefined.")
    eev = _fixed_at(rp, ev)
    ws = wait_and_see(base, progress)
    return ValueOfInformation(rp=rp[2].objective, ev=ev[2].objective, eev=eev, ws=ws)


def wait_and_see(base: ModelData, progress=None) -> float:
    """WS = sum over scenarios of probability x the optimal cost of that scenario alone.

    Groups of coupled materials share no constraint (risk neutral; model/transform.py
    coupled_groups), so a scenario's optimum is the sum of each group's, and a group's optimum is the
    same in every scenario that disrupts none of its materials: each group is solved once
    undisturbed and once per scenario that disrupts it."""
    base = propagate_host_disruptions(base)  # a host's disruption touches its by-products
    scenarios = [w for w in base.scenarios if base.probability[w] > 0]
    total = 0.0
    from model.blocks.technologies import substitution_pairs

    # a substitution changes several materials at once, and a demand scenario every material of
    # its scenarios: no split by material group
    if substitution_pairs(base) or base.demand_uncertain:
        for w in scenarios:
            got = _solve(scenario_data(base, w))
            if got is None:
                raise ModelError(f"Scenario '{w}' alone has no solution; EVPI is undefined.")
            total += base.probability[w] * got[2].objective
        return total
    parts = materials_split(base)
    for i, (group, sub) in enumerate(parts.items()):
        if progress:
            progress(i + 1, len(parts), ", ".join(group))
        touching = [w for w in scenarios if any(key[0] in group for key in sub.disruption.get(w, {}))]
        calm = [w for w in scenarios if w not in touching]
        for w in touching + calm[:1]:
            got = _solve(scenario_data(sub, w))
            if got is None:
                raise ModelError(f"Scenario '{w}' alone has no solution ({', '.join(group)}); EVPI is undefined.")
            p = base.probability[w] if w in touching else sum(base.probability[v] for v in calm)
            total += p * got[2].objective
    return total


def generate_single_country(data: ModelData, materials, stages, countries=None, severities=(1.0,),
                            durations=(1.0,), start_years=None, annual_rate=0.02,
                            price_multiplier=1.0) -> ModelData:
    """Every single-country disruption as its own scenario.

    A scenario is one (material, stage, country, start year, severity, duration). Its probability
    is the country's annual disruption rate (``annual_rate``: a number, or a dict country -> rate)
    for that material and stage, split equally over the severity and duration options; the
    scenarios are treated as mutually exclusive (at most one event in the horizon, a fair
    approximation for rates of a few per cent), and 'nominal' takes the rest. Countries default
    to every third country with a supply row for the material and stage.
    """
    supply = data.table("supply")
    start_years = list(start_years or data.years)
    events = []
    for mm, k in itertools.product(materials, stages):
        cs = countries or sorted({c for (m2, c, k2, _) in supply if m2 == mm and k2 == k})
        for c in cs:
            rate = annual_rate.get(c, 0.0) if isinstance(annual_rate, dict) else float(annual_rate)
            if rate <= 0:
                continue
            options = list(itertools.product(severities, durations))
            for s, (sev, dur) in itertools.product(start_years, options):
                events.append((mm, k, c, s, sev, dur, rate / len(options)))
    total = sum(e[-1] for e in events)
    if total >= 1.0:
        raise ModelError(f"The generated scenarios' probabilities sum to {total:.3g} >= 1: lower the "
                         f"annual rates or the number of options.")
    new = data.copy()
    scen, dis = {}, {}
    for i, (mm, k, c, s, sev, dur, p) in enumerate(events, start=1):
        name = f"{c}-{mm}-{k}-{s}-{sev:g}x{dur:g}y"
        scen[name] = {"probability": p, "description": f"{c} cuts {sev:.0%} of its {mm} {k} "
                      f"supply for {dur:g} yr from {s}", "source": "generated", "confidence": "C", "note": ""}
        dis[(name, mm, c, k, float(s))] = {"duration": dur, "severity": sev,
                                           "price_multiplier": price_multiplier,
                                           "source": "generated", "confidence": "C", "note": ""}
    new.tables["scenarios"] = scen
    new.tables["disruptions"] = dis
    from model.validate import _scenarios

    _scenarios(new)
    return new


RECORD_YEARS = 16  # data/reference/disruptions.csv covers 2010-2025
NO_RECORD_EVENTS = 0.5  # events per record assumed for a country with none in it (C)


def record_rates(path, countries, record_years: int = RECORD_YEARS,
                 floor_events: float = NO_RECORD_EVENTS) -> dict:
    """Annual disruption rate of each country: the events of the record that name it
    (``path``: a CSV with a ``country`` column, several countries separated by ';'), divided by the
    years of the record; a country with none gets ``floor_events`` per record (grade C)."""
    import csv

    events: dict = {}
    with open(path, newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            for c in {x.strip() for x in (rec.get("country") or "").split(";") if x.strip()}:
                events[c] = events.get(c, 0) + 1
    return {c: max(events.get(c, 0), floor_events) / record_years for c in countries}


def suppliers_above(data: ModelData, min_share: float = 0.02, year: int | None = None) -> list:
    """(material, country, stage) of every third country (not an aggregate such as 'rest of world')
    whose offer is above ``min_share`` of the material's third-country supply at that stage in
    ``year`` (default: the first year at or after 2030 in the horizon, else the last)."""
    from model import registry as R
    from model.blocks.benchmarks import aggregates

    if year is None:
        year = next((t for t in data.years if t >= 2030), data.years[-1])
    groups = aggregates(data)
    total: dict = {}
    per: dict = {}
    for (mm, c, k, t), rec in data.table("supply").items():
        if t != year or c == R.DOMESTIC or mm not in data.materials:
            continue
        total[(mm, k)] = total.get((mm, k), 0.0) + rec["available"]
        if c not in groups:
            per[(mm, c, k)] = per.get((mm, c, k), 0.0) + rec["available"]
    return [key for key, v in per.items() if total[(key[0], key[2])] > 0 and v / total[(key[0], key[2])] > min_share]


def generate_systematic(data: ModelData, rates: dict, severities=(0.5, 1.0), durations=(1.0, 2.0),
                        start_years=(2028, 2033), min_share: float = 0.02, events: ModelData | None = None,
                        price_multiplier: float = 1.0) -> ModelData:
    """A systematic disruption set (the USGS 2025 method's pattern; formulation §11): every supplier
    above ``min_share`` at each stage of each strategic material (``suppliers_above``) cut by each
    severity for each duration from each start year, plus every scenario of ``events`` that disrupts
    several materials at once (the multi-material export controls of the record), with its rate.

    Probability model (grade C): a country's annual rate (``rates``) is shared equally over its
    supplies above the threshold, and a supply's rate equally over the severity, duration and start
    options; the scenarios are the first event of a year in a Poisson model, so with the rates
    summing to L, a scenario of rate r has probability r x (1 - exp(-L)) / L and 'nominal' exp(-L)."""
    import math

    strategic = [mm for mm in data.materials if data.material(mm)["strategic"]]
    supplies = [s for s in suppliers_above(data, min_share) if s[0] in strategic]
    n_of: dict = {}
    for _, c, _ in supplies:
        n_of[c] = n_of.get(c, 0) + 1
    options = list(itertools.product(start_years, severities, durations))
    scen, dis, rate_of = {}, {}, {}
    note = {"source": "generated (systematic set)", "confidence": "C", "note": ""}
    for mm, c, k in sorted(supplies):
        r = rates.get(c, 0.0) / n_of[c] / len(options)
        if r <= 0:
            continue
        for s, sev, dur in options:
            name = f"{c}-{mm}-{k}-{s}-{sev:g}x{dur:g}y"
            rate_of[name] = r
            scen[name] = {"description": f"{c} cuts {sev:.0%} of its {mm} {k} supply for {dur:g} yr from {s}",
                          **note}
            dis[(name, mm, c, k, float(s))] = {"duration": dur, "severity": sev,
                                               "price_multiplier": price_multiplier, **note}
    if events is not None:
        for w in events.scenarios:
            mats = {key[0] for key in events.disruption.get(w, {})}
            if len(mats) < 2 or w in scen:
                continue
            rate_of[w] = events.probability[w]
            scen[w] = dict(events.table("scenarios")[w])
            for key, rec in events.table("disruptions").items():
                if key[0] == w:
                    dis[key] = dict(rec)
    total = sum(rate_of.values())
    if total <= 0:
        raise ModelError("No supplier above the threshold has a positive disruption rate: no scenario.")
    scale = (1.0 - math.exp(-total)) / total
    for w, rec in scen.items():
        rec["probability"] = rate_of[w] * scale
    new = data.copy()
    new.tables["scenarios"] = scen
    new.tables["disruptions"] = dis
    from model.validate import _scenarios

    _scenarios(new)
    return new
