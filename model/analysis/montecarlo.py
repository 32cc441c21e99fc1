"""Monte Carlo sensitivity of a case to the stated ranges of its data (``python run.py montecarlo``).

This is sensitivity to the stated ranges, not a probability of the world: each factor of the
declared table (model/uncertainty.py, ``inputs/montecarlo_factors.csv``) is drawn over the range its
grade or its sources give, all at once (a Latin hypercube of ``--samples`` draws from ``--seed``),
and each draw is solved as the case would be (the case's hard/soft benchmark rule re-applied to the
drawn data). Per sample:

* ``total_cost_eur``: the objective (present value), ``penalties_eur`` the soft-benchmark
  penalties in it (the price of shortfalls on benchmarks out of reach, not a cost) and
  ``net_cost_eur`` the difference, as docs/results-eu.md reports the base case;
* ``cost_<family>_eur``: what one benchmark family costs, the net cost less the net cost of the
  same sample with that family's rows relaxed (bounds removed), and ``cost_benchmarks_eur`` with
  every family relaxed at once (the definition of model/analysis/benchmark_cost.py, net of
  penalties). The relaxations re-solve the sample's LP warm in HiGHS (row bounds changed in place,
  model/backends/highs.py), without a rebuild;
* ``met_<benchmark>_<material>``: the benchmark met for the material in 2030 (every stage of it,
  from the compliance table of the run, model/results.py).

Summaries: the distribution (mean, p5, p50, p95) of the total cost and of each benchmark cost, the
share of samples in which each benchmark x material is met in 2030, and the Spearman rank
correlation of each factor with the total cost and with the cost of the benchmarks. Samples run on
the engine of model/parallel.py (``--jobs``), in chunks; the draws are made before, in this
process, so the numbers do not depend on the number of jobs.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model import uncertainty as U
from model.errors import InputError, Issue, ModelError

LABEL = "sensitivity to the stated ranges, not a probability of the world"
YEAR = 2030
FAMILIES = ("extraction", "processing", "recycling", "single_country")
QUANTILES = (0.05, 0.5, 0.95)
_BASE: dict = {}  # workbook path -> its loaded data, once per process


@dataclass
class MonteCarlo:
    case: str
    seed: int
    factors: list
    draws: np.ndarray
    samples: pd.DataFrame
    seconds: float = 0.0
    base: dict = field(default_factory=dict)  # the unperturbed case: objective and benchmark costs
    cpu_seconds: float = 0.0  # processor seconds of the samples, summed over the workers

    def tables(self) -> dict:
        return {"samples": self.samples, "distribution": distribution(self.samples),
                "share_met": share_met(self.samples), "rank_correlation": rank_correlation(self),
                "factors": factor_table(self.factors)}


# ---- one sample ---------------------------------------------------------------------------------
def _base(path: str):
    if path not in _BASE:
        from model.validate import load

        data = load(Path(path))
        _BASE.clear()
        _BASE[path] = data
    return _BASE[path]


def solve_sample(data) -> dict:
    """Solve one (drawn) case: the objective, each benchmark family's cost by warm relaxation and
    met/missed per benchmark x material in 2030. ``status`` says why a sample has no solution."""
    from model.backends.highs import HighsLP, Status, finish, highs_options
    from model.build import build
    from model.data import with_settings
    from model.results import Solution, _compliance

    data, softened = U.soften_out_of_reach(data)
    data = with_settings(data, stochastic_reports="no", purchasing_reports="no")
    out: dict = {"status": "optimal", "softened_rows": len(softened)}
    try:
        mod = build(data)
        hm = HighsLP(mod.lp)
        hm.set_options(highs_options(data.settings))
        status = hm.run()
        if status in (Status.infeasible, Status.infeasible_or_unbounded):
            return {**out, "status": "infeasible"}
        sol = finish(mod, hm, status, hm.run_seconds)
    except ModelError as exc:
        return {**out, "status": f"no solution: {str(exc).splitlines()[0][:200]}"}
    shortfall = [v for name, v in mod.lp.vars.items() if name.startswith("shortfall_") and v.n]

    def penalties() -> float:  # soft-benchmark penalties paid in the current solution (objective terms)
        x = hm.col_values()
        return float(sum(hm.cost[v.start:v.start + v.n] @ x[v.start:v.start + v.n] for v in shortfall))

    pen = penalties()
    out.update(total_cost_eur=float(sol.objective), penalties_eur=pen, net_cost_eur=float(sol.objective) - pen)
    comp = _compliance(mod, Solution(mod, sol.x, sol.row_dual))  # the compliance table alone
    comp = comp.loc[comp["year"] == YEAR]
    for (b, m), met in comp.groupby(["benchmark", "material"])["met"].all().items():
        out[f"met_{b}_{m}"] = bool(met)
    rows = {}
    for con, meta in mod.info["benchmarks"]:
        for fam in FAMILIES:
            sel = np.flatnonzero(np.asarray(meta["benchmark"]) == fam)
            if len(sel):
                rows.setdefault(fam, []).append(con.start + sel)
    rows = {f: np.concatenate(r) for f, r in rows.items()}
    groups = [(f, r) for f, r in rows.items()]
    if rows:
        groups.append(("benchmarks", np.concatenate(list(rows.values()))))
    for name, r in groups:
        lower, upper = hm.row_lower[r].copy(), hm.row_upper[r].copy()
        hm.set_row_bounds(r, np.full(len(r), -np.inf), np.full(len(r), np.inf))
        st = hm.run()
        ok = st not in (Status.infeasible, Status.infeasible_or_unbounded) and hm.has_solution()
        # net of penalties on both sides: a penalty is the price of a shortfall, not a cost
        out[f"cost_{name}_eur"] = out["net_cost_eur"] - (hm.objective_value() - penalties()) if ok else float("nan")
        hm.set_row_bounds(r, lower, upper)
    return out


def _chunk(item) -> list[dict]:
    path, factors, first, draws = item
    base = _base(path)
    out = []
    for i, draw in enumerate(draws):
        t0 = time.process_time()
        rec = {"sample": first + i + 1}
        rec.update(solve_sample(U.apply(base, factors, draw)))
        rec["_cpu"] = time.process_time() - t0  # processor seconds of this sample, in its worker
        out.append(rec)
    return out


# ---- the whole run ------------------------------------------------------------------------------
def run_montecarlo(path, samples: int, seed: int, factors_path=None, jobs: int | None = None,
                   engine: str = "auto", factor_names: list[str] | None = None, quiet: bool = True,
                   chunk: int | None = None) -> MonteCarlo:
    """Draw ``samples`` cases from the factor table and solve each (see the module's docstring).
    ``factor_names``: only these factors vary (the others stay at the case's values)."""
    from model import progress as P
    from model.parallel import run_tasks
    from model.validate import load

    if not isinstance(samples, int) or samples < 1:
        raise InputError([Issue(file="command line", column="--samples", value=samples,
                                expected="a whole number of samples, at least 1")])
    if not isinstance(seed, int) or seed < 0:
        raise InputError([Issue(file="command line", column="--seed", value=seed,
                                expected="a whole number, 0 or more")])
    path = str(Path(path))
    data = load(Path(path))
    factors_path = Path(factors_path) if factors_path else default_factors()
    factors = U.read_factors(factors_path, data)
    if factor_names:
        known = {f.name: f for f in factors}
        for name in factor_names:
            if name not in known:
                raise U.unknown_factor(name, factors)
        factors = [known[n] for n in factor_names]
    draws = U.sample(factors, samples, seed)
    t0 = time.perf_counter()
    base = solve_sample(data)
    workers = jobs or 1
    size = chunk or max(1, min(25, math.ceil(samples / (4 * workers))))
    items = [(path, factors, s, draws[s:s + size]) for s in range(0, samples, size)]
    _BASE.clear()
    _BASE[path] = data
    bar = P.bar(None, "Monte Carlo samples", quiet=quiet, total=samples, unit="sample")

    def progress(done, total, seconds):
        bar.n = min(samples, done * size)
        bar.refresh()

    try:
        chunks = run_tasks(_chunk, items, engine="serial" if workers == 1 and engine == "auto" else engine,
                           workers=workers, progress=progress)
    finally:
        bar.close()
    recs = [rec for c in chunks for rec in c]
    cpu = sum(rec.pop("_cpu") for rec in recs)
    table = pd.DataFrame(recs)
    for j, f in enumerate(factors):
        table.insert(1 + j, f.name, draws[:, j])
    lead = ["sample"] + [f.name for f in factors] + ["status", "softened_rows", "total_cost_eur", "penalties_eur",
                                                     "net_cost_eur"]
    costs = [c for c in table.columns if c.startswith("cost_")]
    mets = sorted(c for c in table.columns if c.startswith("met_"))
    for c in ["total_cost_eur", "penalties_eur", "net_cost_eur"] + costs:
        if c not in table.columns:
            table[c] = np.nan
    table = table[lead + costs + mets + [c for c in table.columns if c not in lead + costs + mets]]
    return MonteCarlo(str(data.settings.get("case_name") or Path(path).stem), seed, factors, draws, table,
                      time.perf_counter() - t0, base, cpu)


def default_factors() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "inputs" / "montecarlo_factors.csv"


# ---- summaries ----------------------------------------------------------------------------------
def _outcomes(samples: pd.DataFrame) -> list[str]:
    return ["total_cost_eur", "penalties_eur", "net_cost_eur"] + [c for c in samples.columns if c.startswith("cost_")]


def distribution(samples: pd.DataFrame) -> pd.DataFrame:
    """Mean, p5, p50, p95 (and min, max) of the total cost and of each benchmark cost, over the
    samples with a solution (numpy's linear interpolation between order statistics)."""
    rows = []
    for col in _outcomes(samples):
        v = pd.to_numeric(samples[col], errors="coerce").dropna().to_numpy()
        q = np.quantile(v, QUANTILES) if len(v) else [np.nan] * len(QUANTILES)
        rows.append({"measure": col, "samples": len(v), "mean": v.mean() if len(v) else np.nan,
                     "p5": q[0], "p50": q[1], "p95": q[2], "min": v.min() if len(v) else np.nan,
                     "max": v.max() if len(v) else np.nan})
    return pd.DataFrame(rows)


def share_met(samples: pd.DataFrame) -> pd.DataFrame:
    """Share of samples in which each benchmark x material is met in 2030 (a sample without a
    solution counts as not met: no plan of it meets the benchmarks)."""
    rows = []
    n = len(samples)
    for col in [c for c in samples.columns if c.startswith("met_")]:
        b = next(f for f in FAMILIES if col.startswith(f"met_{f}_"))
        m = col[len(f"met_{b}_"):]
        met = samples[col].fillna(False).astype(bool)
        rows.append({"benchmark": b, "material": m, "year": YEAR, "samples": n, "met": int(met.sum()),
                     "share_met": met.sum() / n if n else np.nan})
    return pd.DataFrame(rows, columns=["benchmark", "material", "year", "samples", "met", "share_met"])


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN when either is constant."""
    from scipy.stats import rankdata

    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan")
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def rank_correlation(mc: MonteCarlo) -> pd.DataFrame:
    """Spearman rank correlation of each factor's draw with the total cost and with the cost of the
    benchmarks, sorted by the larger of the two in absolute value."""
    s = mc.samples
    total = pd.to_numeric(s["total_cost_eur"], errors="coerce").to_numpy()
    bench = pd.to_numeric(s.get("cost_benchmarks_eur", pd.Series(np.nan, index=s.index)), errors="coerce").to_numpy()
    rows = [{"factor": f.name, "kind": f.kind, "grade": f.grade,
             "rho_total_cost": spearman(mc.draws[:, j], total),
             "rho_cost_of_benchmarks": spearman(mc.draws[:, j], bench)} for j, f in enumerate(mc.factors)]
    out = pd.DataFrame(rows)
    key = out[["rho_total_cost", "rho_cost_of_benchmarks"]].abs().max(axis=1).fillna(0.0)
    return out.assign(_k=key).sort_values("_k", ascending=False, kind="stable").drop(columns="_k").reset_index(drop=True)


def factor_table(factors) -> pd.DataFrame:
    return pd.DataFrame([{"factor": f.name, "kind": f.kind, "changes": U.KINDS[f.kind], "material": f.material or "",
                          "stage": f.stage or "", "country": f.country or "", "grade": f.grade,
                          "distribution": f.distribution, "low": f.low, "high": f.high,
                          "base": f.base if f.base is not None else "", "range": f.range_from,
                          "rows_changed": f.rows, "source": f.source, "why": f.why} for f in factors])
