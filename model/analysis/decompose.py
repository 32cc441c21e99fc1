"""Exact decomposition of the risk-neutral stochastic programme by groups of coupled materials
(docs/decomposition.md).

The groups are read from the built model, not from a list: every column belongs to a material
(its family's index has the dimension ``m``) or is shared (a family without ``m``: a contract's
volume, the CVaR variables); a row joins everything its columns belong to, and the groups are the
connected components of materials through rows and shared columns. Today every material is its own
group; a block that adds a row over two materials (a by-product, a substitution) joins them
without any change here.

For the risk-neutral objective the model is the sum of one model per group: no row joins two
groups, and the objective is a sum of cost terms each of one material. Each group's model needs
only the scenarios as they bear on its materials: scenarios whose disruptions of the group's
materials are identical (above all those that disrupt none of them: the undisturbed problem of the
group) have the same recourse problem, so they merge into one with their summed probability. A
scenario that disrupts materials of several groups (a multi-material export control) is, for each
group, its disruptions of that group's materials.

Each part is solved on its own (in parallel: model/parallel.py), and the parts' column values and
row duals are mapped back onto the extensive form's model, key by key: a merged scenario's values
go to every scenario it stands for, and a row dual of a merged scenario is shared out in proportion
to the probabilities (the dual of a scenario row carries the scenario's probability). The result
tables then come from the one extraction (model/results.py), so they are those of the extensive
form at the same solution.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.data import NOMINAL, ModelData
from model.errors import ModelError
from model.lp import Index, Space
from model.transform import materials_subset, risk_neutral

METHOD_EF = "extensive form"
METHOD_DECOMPOSED = "exact decomposition by material group"
METHOD_MPISPPY = "progressive hedging (mpi-sppy)"


class NotSeparable(Exception):
    """The parts do not cover the extensive form exactly (a column or row in none or in two)."""


# ---- the groups -----------------------------------------------------------------------------
def coupling_groups(mod) -> list[list[str]]:
    """The groups of materials joined by the rows of the built model ``mod``, each in the order of
    ``data.materials``, groups in the order of their first material.

    Nodes are the materials and every column of a family without a material dimension; each row
    joins the nodes of its columns (label propagation to a fixed point over the sparse matrix)."""
    lp = mod.lp
    n_mat = len(mod.data.materials)
    node = np.arange(lp.n_cols, dtype=np.int64) + n_mat  # a shared column is its own node
    for v in lp.vars.values():
        if "m" in v.index.dims and v.n:
            node[v.start:v.start + v.n] = v.index["m"]
    row, col, coef = lp.coo()
    keep = coef != 0.0
    row, col = row[keep], col[keep]
    label = np.arange(n_mat + lp.n_cols, dtype=np.int64)
    if len(row):
        order = np.argsort(row, kind="stable")
        row, ent = row[order], node[col[order]]
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        row_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(row)]))
        while True:
            low = np.minimum.reduceat(label[ent], starts)
            new = label.copy()
            np.minimum.at(new, ent, low[row_of])
            new = new[new]  # pointer jumping: follow labels to their own labels
            if np.array_equal(new, label):
                break
            label = new
    groups: dict[int, list[str]] = {}
    for i, mm in enumerate(mod.data.materials):
        groups.setdefault(int(label[i]), []).append(mm)
    return list(groups.values())


def probe_groups(data: ModelData) -> list[list[str]]:
    """``coupling_groups`` without building the extensive form (``probe``)."""
    return probe(data)[0]


def probe(data: ModelData) -> tuple[list, int]:
    """(groups, rows): the groups and the row count of the model of ``data`` with two scenarios,
    the first one (undisturbed as given) and one holding every disruption of every scenario (the
    largest lost share of each offer), so that every row any scenario has exists."""
    from model.build import build

    first = data.scenarios[0]
    union: dict = {}
    for events in data.disruption.values():
        for key, (lost, mult) in events.items():
            old = union.get(key)
            union[key] = (lost, mult) if old is None or lost > old[0] else old
    new = risk_neutral(data)
    new.probability = {first: 0.5, "all events": 0.5}
    new.disruption = {first: dict(data.disruption.get(first, {})), "all events": union}
    mod = build(new)
    return coupling_groups(mod), mod.lp.n_rows


# ---- the parts ------------------------------------------------------------------------------
@dataclass
class Part:
    """One group's model: its materials, its data (merged scenarios) and, per scenario of the part,
    the scenarios of the whole case it stands for."""

    materials: list
    data: ModelData
    stands_for: dict = field(default_factory=dict)

    @property
    def n_scenarios(self) -> int:
        return len(self.data.scenarios)


def _reference(data: ModelData) -> str:
    """The scenario whose imports the import-basis stock rule reads (model/blocks/stockpile.py)."""
    return NOMINAL if NOMINAL in data.probability else data.scenarios[0]


def split(data: ModelData, groups) -> list[Part]:
    """One Part per group: ``materials_subset`` of the group, its scenarios merged where their
    disruptions of the group's materials are the same. The reference scenario (nominal, else the
    first) is never merged: the import-basis stock rule reads its imports, so its recourse problem
    is not that of the other undisturbed scenarios. A merged scenario is named after its first
    member and keeps that member's place in the order of the scenarios."""
    ref = _reference(data)
    parts = []
    for group in groups:
        mats = set(group)
        classes: dict = {}
        for w in data.scenarios:
            events = {k: v for k, v in data.disruption.get(w, {}).items() if k[0] in mats}
            sig = (w == ref, tuple(sorted((tuple(map(str, k)), v) for k, v in events.items())))
            classes.setdefault(sig, (events, []))[1].append(w)
        reps = []
        for events, members in classes.values():
            rep = members[0]
            reps.append((data.scenarios.index(rep), rep, events, members))
        reps.sort()
        sub = materials_subset(data, group)
        sub.probability = {rep: sum(data.probability[w] for w in members) for _, rep, _, members in reps}
        sub.disruption = {rep: events for _, rep, events, _ in reps}
        parts.append(Part(list(sub.materials), sub, {rep: members for _, rep, _, members in reps}))
    return parts


@dataclass
class PartResult:
    """What a worker sends back: the solution and the layout of its model (no model objects)."""

    objective: float
    bound: float | None
    status: str
    termination: str
    is_mip: bool
    mip_gap: float | None
    x: np.ndarray
    row_dual: np.ndarray
    labels: dict  # the part's Space labels per dimension
    vars: dict  # family -> (start, dims, codes)
    cons: dict
    n_rows: int
    n_cols: int
    n_integer: int
    n_nonzeros: int
    seconds: float
    highs_seconds: float
    warnings: list
    peak_gib: float | None = None  # the solving process's peak resident memory so far (Unix)
    tables: dict | None = None  # the part's own result tables, when asked for (``by_part``)


def solve_part(task) -> PartResult:
    """Build and solve one part (a module-level function: it runs in worker processes)."""
    from model.backends.highs import solve
    from model.build import build

    data, log_file, *rest = task
    t0 = time.perf_counter()
    mod = build(data)
    sol, _ = solve(mod, log_file=log_file)
    if rest and rest[0]:  # by part: the tables here, no values sent back
        from model.results import extract

        tables = extract(mod, sol).tables
        return PartResult(objective=sol.objective, bound=sol.bound, status=sol.status, termination=sol.termination,
                          is_mip=sol.is_mip, mip_gap=sol.mip_gap, x=np.zeros(0), row_dual=np.zeros(0),
                          labels={}, vars={}, cons={}, n_rows=sol.n_rows, n_cols=sol.n_cols,
                          n_integer=sol.n_integer, n_nonzeros=sol.n_nonzeros, seconds=time.perf_counter() - t0,
                          highs_seconds=sol.highs_seconds, warnings=sol.warnings, peak_gib=_peak_gib(),
                          tables=tables)
    layout = lambda fams: {n: (f.start, f.index.dims, f.index.codes) for n, f in fams.items()}  # noqa: E731
    return PartResult(objective=sol.objective, bound=sol.bound, status=sol.status, termination=sol.termination,
                      is_mip=sol.is_mip, mip_gap=sol.mip_gap, x=sol.x, row_dual=sol.row_dual,
                      labels=mod.space.labels, vars=layout(mod.lp.vars), cons=layout(mod.lp.cons),
                      n_rows=sol.n_rows, n_cols=sol.n_cols, n_integer=sol.n_integer, n_nonzeros=sol.n_nonzeros,
                      seconds=time.perf_counter() - t0, highs_seconds=sol.highs_seconds, warnings=sol.warnings,
                      peak_gib=_peak_gib())


def _peak_gib() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 2 ** 20 if kb else None


def solve_parts(parts, engine: str = "auto", workers: int | None = None, log_dir=None, progress=None,
                tables: bool = False) -> list:
    """The PartResult of each part, solved on ``engine`` (model/parallel.py); the largest parts are
    started first. With ``log_dir`` each part writes its HiGHS log there (``part-<i>.log``); with
    ``tables`` each part sends back its own result tables instead of its values."""
    from model.parallel import run_tasks

    order = sorted(range(len(parts)), key=lambda i: -(len(parts[i].materials) * parts[i].n_scenarios))
    tasks = [(parts[i].data, None if log_dir is None else str(Path(log_dir) / f"part-{i + 1}.log"), tables)
             for i in order]
    got = run_tasks(solve_part, tasks, engine=engine, workers=workers, progress=progress)
    out = [None] * len(parts)
    for i, r in zip(order, got):
        out[i] = r
    return out


# ---- assembly -------------------------------------------------------------------------------
def _code_maps(space: Space, labels: dict, part: Part) -> dict:
    """Per dimension: the part's code of each code of the whole model (-1 where the part has none);
    for scenarios, the part's scenario that stands for each scenario of the whole."""
    out = {}
    for d, labs in space.labels.items():
        own = {lab: i for i, lab in enumerate(labels.get(d, []))}
        if d == "w":
            rep_of = {w: rep for rep, members in part.stands_for.items() for w in members}
            labs = [rep_of.get(w) for w in labs]
        out[d] = np.array([own.get(lab, -1) if lab is not None else -1 for lab in labs], dtype=np.int64)
    return out


def _place(families, layout: dict, maps: dict, sub_space: Space, dest: np.ndarray, src: np.ndarray,
           covered: np.ndarray, scale=None) -> None:
    """Copy the part's values ``src`` of every family onto ``dest`` at the whole model's positions."""
    for name, fam in families.items():
        if name not in layout or not fam.n:
            continue
        start, dims, codes = layout[name]
        if tuple(dims) != fam.index.dims:
            raise NotSeparable(f"family {name} has dimensions {dims} in a part, {fam.index.dims} in the whole")
        mapped = {d: maps[d][fam.index[d]] for d in dims}
        ok = np.ones(fam.n, dtype=bool)
        for d in dims:
            ok &= mapped[d] >= 0
        if not dims:  # a family without keys (one CVaR variable) belongs to no single part
            continue
        sel = np.flatnonzero(ok)
        query = Index(sub_space, dims, {d: mapped[d][sel] for d in dims})
        sub_index = Index(sub_space, dims, codes)
        pos = sub_index.find(query)
        hit = pos >= 0
        where = fam.start + sel[hit]
        value = src[start + pos[hit]]
        if scale is not None and "w" in dims:
            value = value * scale[fam.index["w"][sel[hit]]]
        dest[where] = value
        covered[where] += 1


def parts_solution(results, seconds: float):
    """One SolveResult (model/backends/highs.py) for the parts together: objective and bound their
    sums, status optimal when every part's is, sizes the parts' sums; no values yet."""
    from model.backends.highs import SolveResult

    objective = float(sum(r.objective for r in results))
    is_mip = any(r.is_mip for r in results)
    bounds = [r.bound for r in results]
    bound = float(sum(bounds)) if is_mip and all(b is not None for b in bounds) else None
    gap = abs(objective - bound) / max(1e-9, abs(objective)) if bound is not None and objective else None
    status = "optimal" if all(r.status == "optimal" for r in results) else "feasible (limit reached)"
    out = SolveResult(status=status, termination="optimal" if status == "optimal" else "limit", objective=objective,
                      bound=bound, mip_gap=gap, is_mip=is_mip, solve_seconds=seconds,
                      n_rows=int(sum(r.n_rows for r in results)), n_cols=int(sum(r.n_cols for r in results)),
                      n_integer=int(sum(r.n_integer for r in results)),
                      n_nonzeros=int(sum(r.n_nonzeros for r in results)),
                      highs_seconds=float(sum(r.highs_seconds for r in results)))
    out.warnings = sorted({w for r in results for w in r.warnings})
    return out


def assemble(mod, parts, results):
    """The extensive form's SolveResult (model/backends/highs.py) from the parts' solutions: the
    values and duals of ``mod``'s columns and rows, the objective the sum of the parts'."""
    lp, data = mod.lp, mod.data
    x = np.zeros(lp.n_cols)
    dual = np.zeros(lp.n_rows)
    cov_c = np.zeros(lp.n_cols, dtype=np.int64)
    cov_r = np.zeros(lp.n_rows, dtype=np.int64)
    p_full = np.array([data.probability[w] for w in mod.W])
    for part, res in zip(parts, results):
        sub_space = Space(**res.labels)
        maps = _code_maps(mod.space, res.labels, part)
        p_rep = np.array([part.data.probability[w] for w in res.labels["w"]])
        rep = p_rep[np.maximum(maps["w"], 0)]
        scale = np.where(rep > 0, p_full / np.where(rep > 0, rep, 1.0), 1.0)
        _place(lp.vars, res.vars, maps, sub_space, x, res.x, cov_c)
        _place(lp.cons, res.cons, maps, sub_space, dual, res.row_dual, cov_r, scale=scale)
    for what, cov in (("column", cov_c), ("row", cov_r)):
        bad = np.flatnonzero(cov != 1)
        if len(bad):
            fams = lp.vars if what == "column" else lp.cons
            name = next(f.name for f in fams.values() if f.start <= bad[0] < f.start + f.n)
            raise NotSeparable(f"{len(bad):,} {what}s of the extensive form are in {cov[bad[0]]} parts "
                               f"(first: family {name})")
    out = parts_solution(results, 0.0)
    cost, offset = lp.objective
    check = float(np.dot(cost, x)) + float(offset)
    if abs(check - out.objective) > 1e-7 * max(1.0, abs(out.objective)):
        raise NotSeparable(f"the parts' objectives sum to {out.objective!r}, their values give {check!r}")
    out.n_rows, out.n_cols = lp.n_rows, lp.n_cols
    out.x, out.row_dual = x, dual
    out.row_value = None
    return out


# ---- when it applies, and the whole run -----------------------------------------------------
def applies(data: ModelData) -> str | None:
    """None when the decomposition may apply (risk neutral, more than one scenario), else why not."""
    if float(data.settings.get("risk_weight") or 0.0) > 0:
        return "CVaR in the objective couples all materials"
    if len(data.scenarios) < 2:
        return "one scenario"
    if data.demand_uncertain:
        return "demand scenarios change the demand of every material group (the extensive form is solved)"
    if len(data.materials) < 2:
        return "one material"
    return None


@dataclass
class Decomposed:
    method: str
    reason: str  # why this method
    groups: list
    parts: list
    results: list


def solve_decomposed(data: ModelData, mod=None, engine: str = "auto", workers: int | None = None,
                     log_file=None, progress=None):
    """(model, SolveResult, Decomposed) of ``data`` by its material groups; ``None`` for the
    SolveResult when the case has a single group (the caller solves the extensive form)."""
    from model.build import build

    why = applies(data)
    if why is not None:
        raise ValueError(f"the decomposition does not apply: {why}")
    if mod is None:
        mod = build(data)
    groups = coupling_groups(mod)
    if len(groups) < 2:
        return mod, None, Decomposed(METHOD_EF, "all materials are coupled in one group", groups, [], [])
    parts = split(data, groups)
    log_dir = None if log_file is None else Path(log_file).parent
    t0 = time.perf_counter()
    results = solve_parts(parts, engine=engine, workers=workers, log_dir=log_dir, progress=progress)
    seconds = time.perf_counter() - t0
    if log_file is not None:
        _join_logs(Path(log_file), parts, log_dir)
    sol = assemble(mod, parts, results)
    sol.solve_seconds = seconds
    n_sc = sum(p.n_scenarios for p in parts)
    reason = (f"{len(groups)} groups of coupled materials, {n_sc} scenario problems in all "
              f"instead of {len(groups)} x {len(data.scenarios)}")
    return mod, sol, Decomposed(METHOD_DECOMPOSED, reason, groups, parts, results)


def _join_logs(log_file: Path, parts, log_dir: Path) -> None:
    with open(log_file, "a", encoding="utf-8") as out:
        for i, part in enumerate(parts, start=1):
            path = log_dir / f"part-{i}.log"
            out.write(f"==== part {i}: {', '.join(part.materials)} ({part.n_scenarios} scenarios) ====\n")
            if path.exists():
                out.write(path.read_text(encoding="utf-8", errors="replace"))
                path.unlink()


# ---- the run's choice -----------------------------------------------------------------------
METHODS = ("auto", "extensive", "decomposed", "mpisppy")
# below this many rows of the extensive form the parts are solved in this process: starting
# worker processes costs more than it saves (docs/decomposition.md, bench/decomposition.py)
PROCESS_ROWS = 200_000
# above this many rows of the extensive form (about 180 scenarios of the EU case: 2 million rows
# took 3 GiB in HiGHS) its model is not built: the tables come by part
FULL_ROWS = 2_000_000


def solve_auto(data: ModelData, log_file=None, backend: str = "highs", method: str = "auto",
               engine: str | None = None, workers: int | None = None, by_part: bool | None = None):
    """(model, SolveResult, Results, HighsLP or None, timings, method, reason): the exact
    decomposition whenever it applies (``method`` auto), else the extensive form (model/solve.py).

    ``by_part`` (default: when the extensive form would have more than FULL_ROWS rows): the tables
    of each part as solved, merged scenarios once each, instead of the extensive form's tables."""
    from model.build import build
    from model.results import extract
    from model.solve import solve_model

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
    if method == "mpisppy":
        return _solve_mpisppy(data, log_file)
    why = applies(data)
    if method == "extensive" or backend != "highs" or (why is not None and method == "auto"):
        reason = ("asked for" if method == "extensive" else f"the {backend} backend" if backend != "highs"
                  else why)
        return (*solve_model(data, log_file=log_file, backend=backend), METHOD_EF, reason)
    if why is not None:
        raise ModelError(f"The exact decomposition does not apply to this case ({why}); run it with "
                         f"--method auto or extensive.")
    timings = {}
    t0 = time.perf_counter()
    groups, probe_rows = probe(data)
    if len(groups) < 2:
        return (*solve_model(data, log_file=log_file, backend=backend), METHOD_EF,
                "all materials are coupled in one group")
    if by_part is None:  # the extensive form's rows, estimated from the two-scenario probe
        by_part = probe_rows / 2 * len(data.scenarios) > FULL_ROWS
    if engine is None:  # a cluster when one is named, else worker processes for a large case
        from model.parallel import DASK_ENV

        big = by_part or probe_rows / 2 * len(data.scenarios) >= PROCESS_ROWS
        engine = "dask" if os.environ.get(DASK_ENV) else "auto" if big else "serial"
    if by_part:
        timings["build_s"] = time.perf_counter() - t0
        return _solve_by_part(data, groups, engine, workers, log_file, timings)
    mod = build(data)
    timings["build_s"] = time.perf_counter() - t0
    try:
        mod, sol, dec = solve_decomposed(data, mod=mod, engine=engine, workers=workers, log_file=log_file)
    except NotSeparable as exc:
        out = solve_model(data, log_file=log_file, backend=backend)
        return (*out, METHOD_EF, f"the parts did not reproduce the extensive form ({exc})")
    if sol is None:
        return (*solve_model(data, log_file=log_file, backend=backend), METHOD_EF, dec.reason)
    timings["solve_s"] = sol.solve_seconds
    timings["duals_s"] = 0.0
    t1 = time.perf_counter()
    results = extract(mod, sol)
    timings["extract_s"] = time.perf_counter() - t1
    return mod, sol, results, None, timings, dec.method, dec.reason


def _solve_by_part(data, groups, engine, workers, log_file, timings):
    """The decomposition without the extensive form's model: each part's tables from the part
    itself (model/analysis/decompose_tables.py), for cases whose extensive form would not fit."""
    from model.analysis.decompose_tables import by_part_tables
    from model.results import Results

    parts = split(data, groups)
    log_dir = None if log_file is None else Path(log_file).parent
    t0 = time.perf_counter()
    got = solve_parts(parts, engine=engine, workers=workers, log_dir=log_dir, tables=True)
    timings["solve_s"] = time.perf_counter() - t0
    if log_file is not None:
        _join_logs(Path(log_file), parts, log_dir)
    t1 = time.perf_counter()
    sol = parts_solution(got, timings["solve_s"])
    results = Results(tables=by_part_tables(data, parts, got), objective=sol.objective)
    timings["extract_s"] = time.perf_counter() - t1
    n_sc = sum(p.n_scenarios for p in parts)
    reason = (f"{len(groups)} groups of coupled materials, {n_sc} scenario problems in all instead of "
              f"{len(groups)} x {len(data.scenarios)}; tables by part, each merged scenario once "
              f"(sheet scenario_classes)")
    return None, sol, results, None, timings, METHOD_DECOMPOSED, reason


def value_of_information(data: ModelData):
    """VSS and EVPI (model/stochastic.py) by groups of coupled materials: RP, EV, EEV and WS are
    each a sum over the groups (each group's expected-value problem has the same mean disruptions
    of its materials, and its first stage is fixed on its own), so each group's are computed on its
    part (merged scenarios, the same expectations) and added up."""
    from model.stochastic import ValueOfInformation
    from model.stochastic import value_of_information as one

    base = risk_neutral(data)
    groups = probe_groups(base)
    if len(groups) < 2:
        return one(data)
    got = [one(part.data) for part in split(base, groups)]
    eev = None if any(v.eev is None for v in got) else float(sum(v.eev for v in got))
    return ValueOfInformation(rp=float(sum(v.rp for v in got)), ev=float(sum(v.ev for v in got)), eev=eev,
                              ws=float(sum(v.ws for v in got)))


def _solve_mpisppy(data: ModelData, log_file=None):
    """Progressive hedging through mpi-sppy in this process (model/mpisppy_adapter.py: PH, the
    Lagrangian bound, the incumbent at x-bar), for CVaR and coupled cases; the tables come from the
    extensive form's model with the first stage fixed at the incumbent's plan (its objective is the
    incumbent: zeta and the recourse are optimal for that plan). The reason names bound and gap."""
    from model.backends.highs import HighsLP, solve
    from model.build import build
    from model.mpisppy_adapter import available, run_ph_single
    from model.results import extract

    ok, why_not = available()
    if not ok:
        raise ModelError(f"--method mpisppy needs mpi-sppy: {why_not}")
    if len(data.scenarios) < 2:
        raise ModelError("--method mpisppy needs several scenarios (sheet scenarios)")
    timings = {}
    t0 = time.perf_counter()
    ph = run_ph_single(data, max_iterations=int(os.environ.get("CRM_PH_ITERATIONS", "20")), rel_gap=1e-3)
    timings["ph_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    mod = build(data)
    hm = HighsLP(mod.lp)
    for name, values in ph["plan"].items():
        v = mod.lp.vars.get(name)
        if v is None:
            continue
        keys = v.index.keys()
        cols = np.array([v.start + i for i, k in enumerate(keys) if k in values], dtype=np.int64)
        x = np.array([values[k] for k in keys if k in values])
        hm.set_col_bounds(cols, x, x)
    timings["build_s"] = time.perf_counter() - t1
    sol, hm = solve(mod, log_file=log_file, hm=hm)
    timings["solve_s"] = sol.solve_seconds
    t2 = time.perf_counter()
    results = extract(mod, sol)
    timings["extract_s"] = time.perf_counter() - t2
    reason = (f"{ph['scenarios']} scenarios, {ph['iterations']} PH iterations; Lagrangian bound "
              f"{ph['bound']:,.0f} EUR, incumbent {ph['incumbent']:,.0f} EUR, gap {ph['rel_gap']:.2%}, "
              f"{ph['failed_solves']} failed scenario solves; tables at the incumbent's first stage"
              + ("; integer first-stage variables: the bound is not guaranteed" if ph["integer_first_stage"] else ""))
    return mod, sol, results, None, timings, METHOD_MPISPPY, reason
