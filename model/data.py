"""ModelData: the validated input of one run, as plain Python containers.

Everything after validation trusts this object. Scenario, sweep and coalition transformations are
functions ``ModelData -> ModelData`` (see ``with_settings``); the model builder never reads files.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path


NOMINAL = "nominal"


@dataclass
class ModelData:
    materials: list[str]
    countries: list[str]
    stages: list[str]
    years: list[int]
    settings: dict
    # table sheet -> {key tuple (or scalar for one key) -> {column: value}}
    tables: dict[str, dict]
    # table sheet -> {key -> sheet row}, for messages that point back at the workbook
    rows: dict[str, dict] = field(default_factory=dict)
    source: Path | None = None
    # scenario -> probability; scenario -> (material, country, stage, year) -> (lost share, price x)
    probability: dict[str, float] = field(default_factory=lambda: {NOMINAL: 1.0})
    disruption: dict[str, dict] = field(default_factory=dict)
    # technology-driven flows (model/demand.py, Technologies), when the run has them
    technologies: object = None
    # demand uncertainty (model/demand.py, formulation §15.1): scenario -> the demand scenario it
    # carries, and per demand scenario its demand table and Technologies. Empty: one demand (the
    # demand table) in every scenario.
    demand_of: dict = field(default_factory=dict)
    demand_tables: dict = field(default_factory=dict)
    technologies_by: dict = field(default_factory=dict)

    # ---- convenient views -------------------------------------------------------------------
    @property
    def scenarios(self) -> list[str]:
        return list(self.probability)

    @property
    def first_year(self) -> int:
        return self.years[0]

    @property
    def base_year(self) -> int:
        return self.settings["base_year"] if self.settings.get("base_year") is not None else self.years[0]

    def table(self, sheet: str) -> dict:
        return self.tables.get(sheet, {})

    def material(self, m: str) -> dict:
        return self.tables["materials"][m]

    def demand(self, m: str, t: int) -> float:
        row = self.tables["demand"].get((m, t))
        return row["demand"] if row else 0.0

    def demand_table(self, w: str | None = None) -> dict:
        """The demand table of scenario ``w`` (its demand scenario's; the demand table without one)."""
        d = self.demand_of.get(w) if w is not None else None
        return self.demand_tables[d] if d is not None else self.tables["demand"]

    def demand_in(self, m: str, t: int, w: str) -> float:
        """Demand of material m in year t in scenario w (formulation §15.1)."""
        row = self.demand_table(w).get((m, t))
        return row["demand"] if row else 0.0

    def peak_demand(self, m: str, t: int) -> float:
        """The largest demand of (m, t) over the scenarios: the basis of first-stage rows that read
        consumption (capacity-basis benchmarks, the consumption stock rule; formulation §15.1)."""
        if not self.demand_of:
            return self.demand(m, t)
        return max(self.demand_in(m, t, w) for w in self.scenarios)

    @property
    def demand_uncertain(self) -> bool:
        """True when scenarios carry different demand scenarios."""
        return len({self.demand_of.get(w) for w in self.scenarios}) > 1

    def copy(self) -> "ModelData":
        return copy.deepcopy(self)

    def derived(self, **tables) -> "ModelData":
        """A copy that shares the tables it does not replace (tables are never changed in place
        after validation; a transformation that changes one passes its own copy here), with its
        own settings, probabilities and disruptions."""
        new = copy.copy(self)
        new.settings = dict(self.settings)
        new.probability = dict(self.probability)
        new.disruption = {w: dict(ev) for w, ev in self.disruption.items()}
        new.demand_of = dict(self.demand_of)
        new.tables = {**self.tables, **tables}
        return new

    def table_copy(self, sheet: str) -> dict:
        """A deep copy of one table, to change in a derived ModelData."""
        return copy.deepcopy(self.tables.get(sheet, {}))


def with_settings(data: ModelData, **changes) -> ModelData:
    """A copy of ``data`` with some settings changed (a data transformation, as sweeps use). Each
    value is read as the settings sheet reads it (a number written as text is a number, a choice
    must be one of its choices): an unknown setting or a bad value raises InputError, never a
    silently ignored change."""
    from model.errors import InputError, Issue
    from model.io.cell_rules import parse_setting

    new = data.derived()
    issues = []
    for k, v in changes.items():
        value, problem = parse_setting(k, v)
        if problem:
            issues.append(Issue(file="settings change", expected=problem, column=k, value=v))
        else:
            new.settings[k] = value
    if issues:
        raise InputError(issues)
    return new
