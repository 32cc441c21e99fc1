"""Parameter sweeps: vary one input over a range, solve each point, write the curve.

Each point is a data transformation ``ModelData -> ModelData`` (a copy with one number changed in
``data.tables`` or ``data.settings``, model/transform.py) solved warm where only numbers change
(model/warm.py: a benchmark level, a spot-price multiplier) and cold otherwise; nothing is
written per point. Parameters (``--param``):

* ``benchmark.<id>.<column>``: a column of the benchmarks sheet (level, start_year, ramp_from_year,
  penalty) for benchmark id extraction, processing, recycling or single_country; with
  ``--material`` only that material (a row is added for it from the 'all' row when needed), with
  ``--stage`` only that stage (single_country);
* ``price``: a multiplier on the spot prices (supply and tier prices; contracts keep their fixed
  price) of the offers matching ``--material``, ``--country`` and ``--stage``;
* ``coverage_days``: short for ``stockpile.coverage_days``;
* ``<sheet>.<column>``: any number column of any input sheet, on the rows matching ``--material``,
  ``--country``, ``--stage`` (e.g. ``technology.capex``, ``supply.available``, ``materials.voll``);
* a setting, e.g. ``risk_weight``, ``discount_rate`` (or ``settings.<name>``).

For a benchmark level the curve carries its shadow price: ``marginal_pv_eur_per_pp`` is the
derivative of the total cost (present value) with respect to the benchmark level, per percentage
point, from the duals of the benchmark rows; ``max_eur_per_pp`` is the highest in-year shadow price.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model import registry as R
from model.data import ModelData, with_settings
from model.errors import InputError, Issue, ModelError
from model.transform import with_benchmark_level, with_price_multiplier

ALIASES = {"coverage_days": "stockpile.coverage_days", "price_multiplier": "price",
           "supply.price_multiplier": "price"}


def _bad(expected: str, value=None) -> InputError:
    return InputError([Issue(file="command line", sheet=None, column="--param", value=value, expected=expected)])


@dataclass
class Param:
    """One sweepable parameter and the rows it applies to."""

    name: str
    kind: str  # benchmark | price | table | setting
    sheet: str = ""
    column: str = ""
    benchmark: str = ""
    material: str | None = None
    country: str | None = None
    stage: str | None = None

    @property
    def is_benchmark_level(self) -> bool:
        return self.kind == "benchmark" and self.column == "level"

    @property
    def unit(self) -> str:
        if self.kind == "price":
            return "x"
        if self.kind == "setting":
            return R.SETTINGS_BY_NAME[self.column].unit
        return R.TABLES_BY_SHEET[self.sheet].column(self.column).unit

    @property
    def label(self) -> str:
        where = ", ".join(f"{k} {v}" for k, v in (("material", self.material), ("country", self.country),
                                                  ("stage", self.stage)) if v)
        return self.name + (f" ({where})" if where else "")

    # -- validation of one value -------------------------------------------------------------
    def check(self, value: float) -> None:
        if self.kind == "price":
            lo, hi = 0.0, None
        elif self.kind == "setting":
            s = R.SETTINGS_BY_NAME[self.column]
            lo, hi = s.lo, s.hi
        else:
            c = R.TABLES_BY_SHEET[self.sheet].column(self.column)
            lo, hi = c.lo, c.hi
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
            hint = " (a share: 0.4 means 40 %, or write 40%)" if self.unit == "share" else ""
            raise InputError([Issue(file="command line", column="--values/--range", value=value,
                                    expected=f"values of {self.name} {rng}{hint}")])

    # -- the data transformation ---------------------------------------------------------------
    def apply(self, data: ModelData, value: float) -> ModelData:
        """A copy of ``data`` with the parameter set to ``value``."""
        self.check(value)
        if self.kind == "setting":
            kind = R.SETTINGS_BY_NAME[self.column].kind
            return with_settings(data, **{self.column: int(value) if kind == "integer" else float(value)})
        if self.is_benchmark_level:
            # the rows it applies to are checked here; the change itself is model/transform.py's
            self._benchmark_keys(data.derived(benchmarks=data.table_copy("benchmarks")))
            return with_benchmark_level(data, self.benchmark, float(value), self.material, self.stage)
        if self.kind == "price":
            if not any(self._matches(sheet, key, rec) for sheet in ("supply", "tiers")
                       for key, rec in data.tables.get(sheet, {}).items()):
                raise self._no_rows("supply")
            return with_price_multiplier(data, float(value), self.material, self.country, self.stage)
        new = data.copy()
        if self.kind == "benchmark":
            rows = new.tables.setdefault("benchmarks", {})
            for key in self._benchmark_keys(new):
                rows[key][self.column] = self._cast(value)
        else:
            n = 0
            for key, rec in new.tables.get(self.sheet, {}).items():
                if self._matches(self.sheet, key, rec):
                    rec[self.column] = self._cast(value)
                    n += 1
            if not n:
                raise self._no_rows(self.sheet)
        return new

    def _cast(self, value):
        kind = R.TABLES_BY_SHEET[self.sheet].column(self.column).kind if self.sheet else "number"
        return int(round(value)) if kind == "integer" else float(value)

    def _no_rows(self, sheet: str) -> InputError:
        return InputError([Issue(file="command line", sheet=sheet, column=self.column or "price",
                                 expected=f"at least one row of sheet {sheet} matching {self.label}")])

    def _matches(self, sheet: str, key, rec: dict) -> bool:
        table = R.TABLES_BY_SHEET[sheet]
        names = [c.name for c in table.keys]
        fields = dict(zip(names, key if isinstance(key, tuple) else (key,)))
        for k, v in (("material", self.material), ("country", self.country), ("stage", self.stage)):
            if v is None:
                continue
            have = fields.get(k, rec.get(k))
            if have is None:
                raise InputError([Issue(file="command line", column=f"--{k}", value=v,
                                        expected=f"no --{k} for sheet {sheet}, which has no {k} column")])
            if have != v:
                return False
        return True

    def _benchmark_keys(self, data: ModelData) -> list[tuple]:
        rows = data.tables.get("benchmarks", {})
        keys = [k for k in rows if k[0] == self.benchmark and (self.stage is None or k[2] in (self.stage, ""))]
        if self.material is None:
            if not keys:
                raise InputError([Issue(file="command line", sheet="benchmarks", column="--param",
                                        value=self.name, expected=f"a '{self.benchmark}' row in sheet "
                                        "benchmarks to vary")])
            return keys
        if self.material not in data.materials:
            raise InputError([Issue(file="command line", column="--material", value=self.material,
                                    expected=f"one of the materials: {', '.join(data.materials)}")])
        own = [k for k in keys if k[1] == self.material]
        if own:
            return own
        # the material follows the 'all' row: give it its own copy of that row
        strategic = data.material(self.material)["strategic"]
        out = []
        for k in keys:
            if k[1] == "all" and strategic:
                new_key = (k[0], self.material, k[2])
                rows[new_key] = dict(rows[k])
                out.append(new_key)
        if not out:
            raise InputError([Issue(file="command line", sheet="benchmarks", column="--material",
                                    value=self.material, expected=f"a '{self.benchmark}' benchmark that "
                                    f"applies to {self.material}")])
        return out


def parse_param(name: str, material=None, country=None, stage=None) -> Param:
    """Read a ``--param`` name into a Param (InputError if unknown)."""
    raw = name
    name = ALIASES.get(name, name)
    kw = dict(material=material, country=country, stage=stage)
    if name == "price":
        return Param(raw, "price", sheet="supply", **kw)
    parts = name.split(".")
    if parts[0] == "benchmark":
        if len(parts) != 3 or parts[1] not in R.BENCHMARK_IDS:
            raise _bad(f"benchmark.<id>.<column> with id one of {', '.join(R.BENCHMARK_IDS)}", raw)
        table = R.TABLES_BY_SHEET["benchmarks"]
        numeric = [c.name for c in table.values if c.kind in ("number", "integer")]
        if parts[2] not in numeric:
            raise _bad(f"benchmark.{parts[1]}.<column> with column one of {', '.join(numeric)}", raw)
        if country:
            raise _bad("no --country for a benchmark", raw)
        return Param(raw, "benchmark", sheet="benchmarks", column=parts[2], benchmark=parts[1], **kw)
    if parts[0] == "settings" and len(parts) == 2:
        parts = parts[1:]
    if len(parts) == 1:
        s = R.SETTINGS_BY_NAME.get(parts[0])
        if s is None or s.kind not in ("number", "integer"):
            raise _bad("a benchmark (benchmark.processing.level), 'price', 'coverage_days', a numeric setting "
                       f"({', '.join(x.name for x in R.SETTING_DEFS if x.kind in ('number', 'integer'))}) "
                       "or <sheet>.<column>", raw)
        return Param(raw, "setting", column=s.name)
    if len(parts) == 2 and parts[0] in R.TABLES_BY_SHEET:
        table = R.TABLES_BY_SHEET[parts[0]]
        numeric = [c.name for c in table.values if c.kind in ("number", "integer")]
        if parts[1] not in numeric:
            raise _bad(f"{parts[0]}.<column> with column one of {', '.join(numeric) or '(none)'}", raw)
        return Param(raw, "table", sheet=parts[0], column=parts[1], **kw)
    raise _bad("a benchmark (benchmark.processing.level), 'price', 'coverage_days', a setting or "
               "<sheet>.<column>", raw)


def parse_values(values: str | None = None, range_: str | None = None) -> list[float]:
    """``--values 0,0.2,0.4`` or ``--range start:stop:n`` (n points, both ends included); '40%' = 0.4."""
    def num(text: str) -> float:
        text = text.strip()
        try:
            return float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
        except ValueError:
            raise InputError([Issue(file="command line", column="--values/--range", value=text,
                                    expected="numbers, e.g. --values 0,0.2,0.4 or --range 0:0.6:7")]) from None

    if (values is None) == (range_ is None):
        raise InputError([Issue(file="command line", column="--values/--range",
                                expected="exactly one of --values v1,v2,... and --range start:stop:n")])
    if values is not None:
        out = [num(v) for v in values.split(",") if v.strip()]
    else:
        parts = range_.split(":")
        if len(parts) != 3:
            raise InputError([Issue(file="command line", column="--range", value=range_,
                                    expected="start:stop:n, e.g. 0:0.6:7")])
        start, stop = num(parts[0]), num(parts[1])
        try:
            n = int(parts[2])
        except ValueError:
            n = 0
        if n < 1:
            raise InputError([Issue(file="command line", column="--range", value=range_,
                                    expected="a whole number of points n >= 1 in start:stop:n")])
        out = [start] if n == 1 else [start + (stop - start) * i / (n - 1) for i in range(n)]
        out = [round(v, 12) for v in out]
    if not out:
        raise InputError([Issue(file="command line", column="--values", expected="at least one value")])
    return out


# ---- running a sweep ---------------------------------------------------------------------------
@dataclass
class SweepResult:
    param: Param
    values: list[float]
    points: pd.DataFrame  # one row per value
    shadow: pd.DataFrame  # the swept benchmark's shadow prices at each point
    case: str = ""
    alpha: float = 0.95  # the CVaR level of the swept data


def _discount(data: ModelData, t: int) -> float:
    return (1.0 + data.settings["discount_rate"]) ** -(t - data.base_year)


def benchmark_marginal(data: ModelData, param: Param, shadow: pd.DataFrame) -> float:
    """d(total cost, present value) / d(benchmark level) per percentage point, from the duals.

    A row's right-hand side is ramp_t x level x demand_t; its dual in objective units is
    eur_per_t x discount_t x probability_w (eur_per_t is per unit of that weight).
    """
    from model.blocks import benchmarks as BM

    effective = BM.resolve(data)
    total = 0.0
    for r in shadow.itertuples(index=False):
        rec = effective.get((r.benchmark, r.material, r.stage))
        if rec is None:
            continue
        ramp = BM.level(dict(rec, level=1.0), int(r.year)) or 0.0
        w = None if (r.scenario is None or (isinstance(r.scenario, float) and math.isnan(r.scenario))
                     or r.scenario == "") else r.scenario
        p = 1.0 if w is None else data.probability.get(w, 0.0)
        if not p or r.eur_per_t is None or (isinstance(r.eur_per_t, float) and math.isnan(r.eur_per_t)):
            continue
        sign = -1.0 if r.benchmark == "single_country" else 1.0  # tightening a cap lowers its level
        total += sign * float(r.eur_per_t) * _discount(data, int(r.year)) * p * ramp * float(r.demand_t) / 100.0
    return total


def tail_mean(costs: list[float], probs: list[float], alpha: float) -> float:
    """CVaR_alpha of a discrete distribution: the mean of its worst (highest) 1 - alpha of mass."""
    mass, total, acc = 1.0 - alpha, 0.0, 0.0
    for c, p in sorted(zip(costs, probs), key=lambda cp: -cp[0]):
        take = min(p, mass - acc)
        if take <= 0:
            break
        total += take * c
        acc += take
    return total / acc if acc > 0 else max(costs)


# the result tables a sweep reads at each point (run_sweep)
POINT_TABLES = ("cost_summary", "compliance", "scenario_costs", "shadow_prices")


def _point_solver(data: ModelData, param: Param):
    """value -> Run. A benchmark level or a spot-price multiplier (risk neutral) is solved warm:
    the model is built and passed to HiGHS once (model/warm.py), and each point changes row bounds
    or costs in place; any other parameter is solved cold from its transformed data."""
    from model.pipeline import solve_data

    risk_neutral = not float(data.settings.get("risk_weight") or 0.0) > 0
    if param.is_benchmark_level or (param.kind == "price" and risk_neutral):
        from model.warm import WarmSweep

        state = {}

        def warm(v):
            point = param.apply(data, v)  # checks the value and the rows it applies to
            if "sweep" not in state:
                state["sweep"] = WarmSweep(data, benchmark=param.benchmark or "processing", material=param.material,
                                           stage=param.stage, solve_first=False)
            sw = state["sweep"]
            if param.kind == "price":
                run = sw.run_at(price=(v, param.material, param.country, param.stage), tables=POINT_TABLES)
            else:
                run = sw.run_at(level=v, tables=POINT_TABLES)
            run.data = point
            return run

        return warm
    return lambda v: solve_data(param.apply(data, v))


def run_sweep(data: ModelData, param: Param, values: list[float], progress=None) -> SweepResult:
    """Solve ``data`` transformed by ``param`` at each value."""
    from model import progress as P

    quiet = progress is None
    say = (P.say if P.shown(quiet) else progress) or (lambda msg: None)
    for v in values:
        param.check(v)
    solve_point = _point_solver(data, param)
    rows, shadows = [], []
    components: list[str] = []
    for i, v in enumerate(P.bar(values, f"sweep of {param.name}", quiet=quiet, unit="point"), start=1):
        t0 = time.perf_counter()
        rec = {"point": i, "value": v}
        try:
            run = solve_point(v)
            point = run.data
        except ModelError as exc:
            rec.update(status="no solution", message=str(exc))
            rows.append(rec)
            say(f"[{i}/{len(values)}] {param.name} = {v:g}: no solution ({time.perf_counter() - t0:.1f} s)")
            continue
        res = run.results
        rec.update(status=run.solution.status, objective_eur=run.solution.objective, mip=run.solution.is_mip)
        cs = res["cost_summary"].groupby("component")["present_value_eur"].sum()
        for comp, val in cs.items():
            rec[f"pv_{comp}_eur"] = float(val)
            if comp not in components:
                components.append(comp)
        comp_tbl = res["compliance"]
        rec["benchmark_rows_missed"] = int((~comp_tbl["met"].astype(bool)).sum()) if len(comp_tbl) else 0
        sc = res.tables.get("scenario_costs")
        if sc is not None and len(point.scenarios) > 1:  # stochastic: the expected cost and CVaR
            totals = {str(w): float(v) for w, v in zip(sc["scenario"], sc["total_eur"])}
            rec["expected_cost_eur"] = totals.get("expected")
            alpha = float(point.settings.get("cvar_alpha", 0.95))
            rec["cvar_eur"] = next((v for k, v in totals.items() if k.startswith("CVaR")), None)
            if rec["cvar_eur"] is None:  # no risk weight: the tail mean of the scenario costs
                rec["cvar_eur"] = tail_mean([totals[w] for w in point.scenarios],
                                            [point.probability[w] for w in point.scenarios], alpha)
        if param.kind == "benchmark":
            sp = res["shadow_prices"]
            sel = sp.loc[sp["benchmark"] == param.benchmark]
            if param.material:
                sel = sel.loc[sel["material"] == param.material]
            if param.stage:
                sel = sel.loc[sel["stage"] == param.stage]
            c = comp_tbl.loc[comp_tbl["benchmark"] == param.benchmark] if len(comp_tbl) else comp_tbl
            if param.material and len(c):
                c = c.loc[c["material"] == param.material]
            rec["swept_rows_missed"] = int((~c["met"].astype(bool)).sum()) if len(c) else 0
            rec["rows_binding"] = int(sel["binding"].astype(bool).sum()) if len(sel) else 0
            rec["max_eur_per_pp"] = float(sel["eur_per_pp"].max()) if len(sel) else 0.0
            rec["marginal_pv_eur_per_pp"] = benchmark_marginal(point, param, sel) if len(sel) else 0.0
            if len(sel):
                shadows.append(sel.assign(value=v, point=i))
        rows.append(rec)
        say(f"[{i}/{len(values)}] {param.name} = {v:g}: {run.solution.objective / 1e6:,.2f} MEUR "
            f"({time.perf_counter() - t0:.1f} s)")
    pts = pd.DataFrame(rows)
    for col in ("status", "objective_eur"):
        if col not in pts.columns:
            pts[col] = None
    pts.insert(1, "parameter", param.label)
    pts["objective_eur"] = pts["objective_eur"].astype(float)
    base = pts["objective_eur"].dropna()
    pts["change_eur"] = pts["objective_eur"] - (base.iloc[0] if len(base) else float("nan"))
    slope = [float("nan")]
    for k in range(1, len(pts)):
        dv = pts["value"].iloc[k] - pts["value"].iloc[k - 1]
        dc = pts["objective_eur"].iloc[k] - pts["objective_eur"].iloc[k - 1]
        slope.append(dc / dv if dv else float("nan"))
    pts["slope_eur_per_unit"] = slope
    if param.is_benchmark_level:
        pts["slope_eur_per_pp"] = pts["slope_eur_per_unit"] / 100.0
    lead = ["point", "parameter", "value", "status", "objective_eur", "change_eur", "slope_eur_per_unit"]
    lead += [c for c in ("slope_eur_per_pp", "marginal_pv_eur_per_pp", "max_eur_per_pp", "rows_binding",
                         "swept_rows_missed", "benchmark_rows_missed") if c in pts.columns]
    lead += [f"pv_{c}_eur" for c in components if f"pv_{c}_eur" in pts.columns]
    lead += [c for c in pts.columns if c not in lead]
    pts = pts[lead]
    shadow = pd.concat(shadows, ignore_index=True) if shadows else pd.DataFrame()
    if len(shadow):
        shadow = shadow[["point", "value"] + [c for c in shadow.columns if c not in ("point", "value")]]
    return SweepResult(param, list(values), pts, shadow, case=str(data.settings.get("case_name") or ""),
                       alpha=float(data.settings.get("cvar_alpha", 0.95)))


# ---- writing the curve ---------------------------------------------------------------------------
def objective_is_not_cost(points: pd.DataFrame) -> bool:
    """True when some point's objective is expected cost + risk weight x CVaR rather than the
    expected cost (a risk weight above 0): then 'objective' and 'cost' must not be one label."""
    if "expected_cost_eur" not in points.columns:
        return False
    obj = pd.to_numeric(points["objective_eur"], errors="coerce")
    exp = pd.to_numeric(points["expected_cost_eur"], errors="coerce")
    both = obj.notna() & exp.notna()
    return bool(((obj[both] - exp[both]).abs() > 1e-6 * obj[both].abs().clip(lower=1.0)).any())


def _x(result: SweepResult) -> tuple[list[float], str]:
    unit = result.param.unit
    if unit == "share":
        return [v * 100.0 for v in result.values], f"{result.param.label} (%)"
    return list(result.values), f"{result.param.label}" + (f" ({unit})" if unit else "")


def sweep_chart(result: SweepResult):
    """The sweep's figure, declared once (model.io.linechart draws it as SVG, or with matplotlib as
    PNG/PDF): the total cost along the sweep (top; expected cost and CVaR for a risk weight) and
    its marginal (bottom: the shadow price and the slope between points for a benchmark level, the
    change from the first point for a risk weight, the slope otherwise)."""
    from model.io.linechart import OKABE_ITO, Chart, Panel, Series

    pts = result.points
    x, xlabel = _x(result)
    ok = pts["objective_eur"].notna().to_numpy()
    xs = [xv for xv, k in zip(x, ok) if k]
    pairs = [k for k in range(1, len(x)) if ok[k] and ok[k - 1]]
    mids = [(x[k - 1] + x[k]) / 2 for k in pairs]

    def meur(col: str, base: float = 0.0) -> list[float]:
        return [(float(v) - base) / 1e6 for v in pts[col][ok]]

    risk = result.param.column == "risk_weight" and "cvar_eur" in pts.columns
    if risk:  # the objective mixes expected cost and CVaR: show the two
        top = Panel([Series(xs, meur("expected_cost_eur"), OKABE_ITO[4], "o", label="expected cost"),
                     Series(xs, meur("cvar_eur"), OKABE_ITO[5], "s",
                            label=f"CVaR (mean of the worst {1 - _alpha(result):.0%} of outcomes)")],
                    "present value (MEUR)", height=1.5)
    else:
        top = Panel([Series(xs, meur("objective_eur"), OKABE_ITO[4], "o")], "total cost, present value (MEUR)",
                    height=1.5)
    note = ""
    if result.param.is_benchmark_level:
        bottom = Panel([Series(xs, meur("marginal_pv_eur_per_pp"), OKABE_ITO[5], "o",
                               label="shadow price (marginal, from duals)"),
                        Series(mids, [pts["slope_eur_per_pp"].iloc[k] / 1e6 for k in pairs], OKABE_ITO[0], "s",
                               line=False, label="slope between points")],
                       "MEUR per percentage point", zero_line=True)
        if "mip" in pts.columns and pts["mip"].eq(True).any():
            note = ("Whole-module builds (MIP): the shadow price is that of the LP with the builds fixed; the slope\n"
                    "between points also carries the cost of the lumpy builds.")
    elif risk:
        e0, c0 = (float(pts[c][ok].iloc[0]) for c in ("expected_cost_eur", "cvar_eur"))
        bottom = Panel([Series(xs, meur("expected_cost_eur", e0), OKABE_ITO[4], "o", label="expected cost"),
                        Series(xs, meur("cvar_eur", c0), OKABE_ITO[5], "s", label="CVaR")],
                       f"change from {result.param.name} = {result.values[0]:g} (MEUR)", zero_line=True)
    else:
        bottom = Panel([Series(mids, [pts["slope_eur_per_unit"].iloc[k] / 1e6 for k in pairs], OKABE_ITO[0], "s")],
                       f"slope (MEUR per {result.param.unit or 'unit'})", zero_line=True)
    title = (f"Cost of autonomy: {result.param.benchmark} benchmark" if result.param.is_benchmark_level
             else f"Sweep of {result.param.label}")
    return Chart(f"{title} ({result.case})" if result.case else title, xlabel, [top, bottom],
                 gaps=[xv for xv, k in zip(x, ok) if not k], note=note)


def write_figure(result: SweepResult, path) -> Path:
    """The sweep's figure at ``path``: SVG drawn here without a plotting library, PNG or PDF by
    matplotlib (ImportError without it), by the suffix of ``path``."""
    from model.io.linechart import to_matplotlib, write_svg

    path = Path(path)
    chart = sweep_chart(result)
    return write_svg(chart, path) if path.suffix == ".svg" else to_matplotlib(chart, path)


def _alpha(result: SweepResult) -> float:
    return float(result.alpha)


def write_sweep(result: SweepResult, path, input_name: str = "", figure: str = "svg") -> tuple[Path, Path | None]:
    """The sweep workbook (sheets sweep, shadow_prices, about) and its figure beside it, in the
    format ``figure`` (model.io.linechart.FIGURE_FORMATS: SVG by default, drawn without a plotting library; PNG or
    PDF need matplotlib). The figure is None for "none", when no point has a solution, and for
    PNG/PDF without matplotlib."""
    from openpyxl import Workbook
    from openpyxl.chart import Reference, ScatterChart, Series

    from model.io.write import _print_setup, _save, _title, write_frame

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "sweep"
    bodies: list = []
    pts = result.points
    mixed = objective_is_not_cost(pts)
    what = ("objective_eur is the objective, expected cost + risk weight x CVaR (not a cost: the expected "
            "cost is expected_cost_eur, the CVaR cvar_eur); slope = change in the objective"
            if mixed else "objective_eur is the total cost (present value); slope = change in cost")
    hdr = write_frame(ws, pts, note=f"Sweep of {result.param.label} over {len(result.values)} points; "
                      f"{what} per unit of the parameter between consecutive points" + ("; marginal_pv_eur_per_pp is the shadow "
                      "price: d(total cost)/d(level) per percentage point, from the duals"
                      if result.param.is_benchmark_level else ""))
    _print_setup(ws, title_row=hdr)
    n = len(pts)
    cols = list(pts.columns)
    value_fmt = "0.0%" if result.param.unit == "share" else "General"
    for col, fmt in (("value", value_fmt), ("slope_eur_per_unit", '#,##0" EUR"')):
        j = cols.index(col) + 1
        for i in range(hdr + 1, hdr + 1 + n):
            ws.cell(row=i, column=j).number_format = fmt
    if n:
        ch = ScatterChart()
        y_col = "expected_cost_eur" if mixed else "objective_eur"  # a cost, never the risk objective
        ch.title = _title(("Expected cost" if mixed else "Total cost") + " (present value, EUR) against "
                          + result.param.name)
        ch.style = 13
        xref = Reference(ws, min_col=cols.index("value") + 1, min_row=hdr + 1, max_row=hdr + n)
        yref = Reference(ws, min_col=cols.index(y_col) + 1, min_row=hdr, max_row=hdr + n)
        s = Series(yref, xref, title_from_data=True)
        s.marker.symbol = "circle"
        s.graphicalProperties.line.solidFill = "0072B2"
        ch.series.append(s)
        ch.x_axis.title = result.param.name
        ch.y_axis.title = "EUR"
        ch.y_axis.numFmt = "#,##0"
        ch.x_axis.delete = False
        ch.y_axis.delete = False
        ch.legend = None
        ch.width, ch.height = 18, 9
        ws.add_chart(ch, f"B{hdr + n + 3}")
    if len(result.shadow):
        sp = wb.create_sheet("shadow_prices")
        h = write_frame(sp, result.shadow, note="Shadow prices of the swept benchmark's rows at each point "
                        "(columns as in a run's shadow_prices sheet).", bodies=bodies)
        _print_setup(sp, title_row=h)
    about = wb.create_sheet("about")
    info = pd.DataFrame([("input", input_name), ("case", result.case), ("parameter", result.param.name),
                         ("material", result.param.material or ""), ("country", result.param.country or ""),
                         ("stage", result.param.stage or ""), ("unit", result.param.unit),
                         ("values", ", ".join(f"{v:g}" for v in result.values))], columns=["item", "value"])
    write_frame(about, info)
    about.column_dimensions["B"].width = 60
    _save(wb, path, bodies)  # the shadow-price rows written as sheet XML, as the results writer does
    if figure == "none" or not pts["objective_eur"].notna().any():
        return path, None  # not asked for, or no point has a solution: nothing to draw
    try:
        fig = write_figure(result, path.with_suffix(f".{figure}"))
    except ImportError:  # matplotlib is an optional extra: pip install -e ".[reports]"
        fig = None
    return path, fig


# ---- what the benchmarks cost -------------------------------------------------------------------
# One more solve of the same case without the CRMA benchmarks; only for models up to this many
# nonzeros (the EU case has some 33,000: the second solve adds about a tenth of a second).
