"""Scenario transformations and the value of the stochastic solution (formulation §9, §10).

Everything here is a data transformation ``ModelData -> ModelData`` followed by an ordinary
solve of the same model; no second code path.

* ``expected_value_data``: the expected-value (EV) problem, one scenario 'expected' whose supply
  losses and price multipliers are the probability-weighted means of the scenarios'.
* ``scenario_data``: one scenario alone with probability 1 (a wait-and-see problem).
* ``value_of_information``: solves RP (the stochastic programme, given), EV, EEV (the stochastic
  programme with the first-stage decisions fixed at the EV solution), and WS (each scenario alone),
  and reports VSS = EEV - RP and EVPI = RP - WS. Both are computed for the risk-neutral objective.
* ``generate_single_country``: every single-country disruption of chosen materials and stages, at
  chosen severities, durations and start years, with probabilities from annual disruption rates.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from model.data import ModelData
from model.errors import ModelError

EV_SCENARIO = "expected"
FIRST_STAGE_VARS = ("cap_new_cont", "n_modules", "stock_target")


def risk_neutral(data: ModelData) -> ModelData:
    new = data.copy()
    new.settings["risk_weight"] = 0.0
    return new


def expected_value_data(data: ModelData) -> ModelData:
    """The EV problem: one scenario with the mean supply loss and mean price multiplier."""
    new = risk_neutral(data)
    mean: dict = {}
    for w, p in data.probability.items():
        for key, (lost, mult) in data.disruption.get(w, {}).items():
            acc = mean.setdefault(key, [0.0, 0.0, 0.0])
            acc[0] += p * lost
            acc[1] += p * mult
            acc[2] += p
    effects = {}
    for key, (lost, mult, p_seen) in mean.items():
        effects[key] = (lost, mult + (1.0 - p_seen) * 1.0)  # scenarios without the event: x1
    new.probability = {EV_SCENARIO: 1.0}
    new.disruption = {EV_SCENARIO: effects}
    return new


def scenario_data(data: ModelData, scenario: str) -> ModelData:
    """Scenario ``scenario`` alone, with probability 1 (risk neutral)."""
    new = risk_neutral(data)
    new.probability = {scenario: 1.0}
    new.disruption = {scenario: dict(data.disruption.get(scenario, {}))}
    return new


def first_stage_values(builder) -> dict:
    """Values of the first-stage variables of a solved model: name -> {index: value}."""
    out = {}
    for name in FIRST_STAGE_VARS:
        var = getattr(builder.m, name, None)
        if var is not None:
            out[name] = {i: var[i].value for i in var}
    return out


def _solve(data, fix=None):
    from model.build import build
    from model.solve import solve

    b = build(data)
    if fix:
        for name, values in fix.items():
            var = getattr(b.m, name, None)
            if var is None:
                continue
            for i, v in values.items():
                if i in var and v is not None:
                    var[i].fix(round(v) if name == "n_modules" else max(0.0, v))
    try:
        sol = solve(b)
    except ModelError:
        return b, None
    return b, sol


@dataclass
class ValueOfInformation:
    rp: float
    ev: float
    eev: float | None  # None: the EV decisions are infeasible in some scenario
    ws: float

    @property
    def vss(self) -> float:
        return float("inf") if self.eev is None else self.eev - self.rp

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
            ("VSS", self.vss, "value of the stochastic solution = EEV - RP (>= 0)"),
            ("EVPI", self.evpi, "expected value of perfect information = RP - WS (>= 0)"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value_eur", "definition"])


def value_of_information(data: ModelData, progress=None) -> ValueOfInformation:
    """Solve RP, EV, EEV and WS for ``data`` (risk-neutral) and return VSS and EVPI."""
    base = risk_neutral(data)
    rp_b, rp = _solve(base)
    if rp is None:
        raise ModelError("The stochastic programme has no solution; VSS and EVPI are undefined.")
    ev_b, ev = _solve(expected_value_data(base))
    if ev is None:
        raise ModelError("The expected-value problem has no solution; VSS is undefined.")
    _, eev = _solve(base, fix=first_stage_values(ev_b))
    ws = 0.0
    for i, w in enumerate(base.scenarios):
        if progress:
            progress(i + 1, len(base.scenarios), w)
        p = base.probability[w]
        if p == 0:
            continue
        _, sol = _solve(scenario_data(base, w))
        if sol is None:
            raise ModelError(f"Scenario '{w}' alone has no solution; EVPI is undefined.")
        ws += p * sol.objective
    return ValueOfInformation(rp=rp.objective, ev=ev.objective,
                              eev=None if eev is None else eev.objective, ws=ws)


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
