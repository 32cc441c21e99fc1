"""Compare run folders side by side, and reproduce a past run.

``compare``: two or more run folders (``outputs/<case>-<timestamp>/``) -> one workbook with costs,
refined-supply shares, compliance, stock and capacity side by side, the first run as the baseline
and differences highlighted. It reads each run's results.xlsx (and manifest.json), never Pyomo.

``reproduce``: re-solve a run from its copied input workbook and check that the objective and every
result table match the stored ones within a relative tolerance.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from model import summaries as S
from model.errors import InputError, Issue
from model.io.runfolder import RunRecord, load_run

DIFF_FILL = PatternFill("solid", fgColor="FFE699")
MISSED_FILL = PatternFill("solid", fgColor="F4B6B6")
RTOL = 1e-6


def _labels(runs: list[RunRecord]) -> list[str]:
    """Short, unique labels: the case name, or the folder name when cases repeat."""
    cases = [r.case for r in runs]
    labels = [c if cases.count(c) == 1 else r.folder.name for c, r in zip(cases, runs)]
    seen = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab}#{seen[lab]}")
    return out


# ---- side-by-side tables -----------------------------------------------------------------------
def _side_by_side(frames: dict[str, pd.DataFrame], keys: list[str], value: str, base: str,
                  fill: float | None = 0.0) -> pd.DataFrame:
    """One column per run of ``value`` (named by the run label) and a difference to the baseline."""
    out = None
    for lab, df in frames.items():
        d = df[keys + [value]].rename(columns={value: lab})
        out = d if out is None else out.merge(d, on=keys, how="outer", sort=False)
    labels = list(frames)
    if fill is not None:
        out[labels] = out[labels].astype(float).fillna(fill)
    for lab in labels[1:]:
        out[f"{lab} - {base}"] = out[lab].astype(float) - out[base].astype(float)
    return out.reset_index(drop=True)


def comparison_tables(runs: list[RunRecord]) -> dict[str, pd.DataFrame]:
    labels = [r.label for r in runs]
    base = labels[0]
    out = {}
    # summary: one row per run
    rows = []
    for r in runs:
        comp = r.tables.get("compliance")
        missed = int((~comp["met"].astype(bool)).sum()) if comp is not None and len(comp) else 0
        main_missed, expected_missed = _missed_like_for_like(r.tables)
        rows.append(dict(run=r.label, folder=r.folder.name, case=r.case, status=r.info.get("status"),
                         scenarios=len(S.scenarios(r.tables)), objective_eur=r.objective,
                         diff_eur=r.objective - runs[0].objective,
                         diff_share=(r.objective - runs[0].objective) / runs[0].objective
                         if runs[0].objective else float("nan"),
                         benchmark_rows=len(comp) if comp is not None else 0, rows_missed=missed,
                         input_sha256=r.manifest.get("input_sha256") or r.info.get("input_sha256"),
                         rows_missed_main_scenario=main_missed, rows_missed_expected=expected_missed))
    out["summary"] = pd.DataFrame(rows)
    out["scope"] = scope_table(runs)

    # costs: present value by material and component, plus totals
    frames = {}
    for r in runs:
        cs = r.tables.get("cost_summary", pd.DataFrame(columns=["material", "component", "present_value_eur"]))
        cs = cs[["material", "component", "present_value_eur"]].copy()
        tot = cs.groupby("material", as_index=False, sort=False)["present_value_eur"].sum()
        tot["component"] = "total"
        allrow = pd.DataFrame([dict(material="all", component="total",
                                    present_value_eur=float(cs["present_value_eur"].sum()))])
        obj = pd.DataFrame([dict(material="all", component="objective", present_value_eur=r.objective)])
        frames[r.label] = pd.concat([cs, tot, allrow, obj], ignore_index=True)
    costs = _side_by_side(frames, ["material", "component"], "present_value_eur", base)
    rank = {"total": 1, "objective": 2}
    costs = costs.assign(_m=(costs["material"] == "all").astype(int),
                         _c=costs["component"].map(lambda c: rank.get(c, 0)))
    out["costs"] = (costs.sort_values(["_m", "material", "_c", "component"], kind="stable")
                    .drop(columns=["_m", "_c"]).reset_index(drop=True))

    # refined supply shares by origin (probability-weighted over each run's scenarios)
    frames = {}
    for r in runs:
        if "sourcing" in r.tables:
            frames[r.label] = S.supply_shares(r.tables)
    if len(frames) == len(runs):
        sh = _side_by_side(frames, ["material", "year", "origin"], "share", base)
        used = sh.groupby(["material", "origin"])[list(frames)].transform(lambda c: c.abs().max()).max(axis=1)
        out["supply_shares"] = sh.loc[used > 0].reset_index(drop=True)  # origins that never supply: left out

    # compliance: target, achieved (expected over scenarios) and met in every scenario
    per = {}
    for r in runs:
        c = r.tables.get("compliance")
        if c is None or not len(c):
            continue
        probs = S.probabilities(r.tables)
        keys = ["material", "benchmark", "stage", "year"]
        e = S.expected(c, keys, ["achieved_share"], probs)
        agg = c.groupby(keys, as_index=False, sort=False).agg(target_share=("target_share", "first"),
                                                            met=("met", lambda s: bool(s.astype(bool).all())))
        per[r.label] = agg.merge(e, on=keys)
    if per:
        keys = ["material", "benchmark", "stage", "year"]
        tbl = None
        for lab, df in per.items():
            d = df.rename(columns={"target_share": f"target_share [{lab}]",
                                   "achieved_share": f"achieved_share [{lab}]", "met": f"met [{lab}]"})
            tbl = d if tbl is None else tbl.merge(d, on=keys, how="outer", sort=False)
        present = list(per)
        for lab in present[1:]:
            if present[0] == base:
                tbl[f"achieved_share [{lab} - {base}]"] = (tbl[f"achieved_share [{lab}]"].astype(float)
                                                           - tbl[f"achieved_share [{base}]"].astype(float))
        out["compliance"] = tbl.reset_index(drop=True)

    # stock: expected inventory and the first-stage target
    frames_inv, frames_tgt = {}, {}
    for r in runs:
        st = r.tables.get("stock")
        if st is None:
            continue
        frames_inv[r.label] = S.expected(st, ["material", "year"], ["inventory_t"], S.probabilities(r.tables))
        frames_tgt[r.label] = st.groupby(["material", "year"], as_index=False, sort=False)["stock_target_t"].first()
    if len(frames_inv) == len(runs):
        a = _side_by_side(frames_tgt, ["material", "year"], "stock_target_t", base)
        b = _side_by_side(frames_inv, ["material", "year"], "inventory_t", base)
        a.insert(2, "quantity", "stock target (t)")
        b.insert(2, "quantity", "expected inventory (t)")
        out["stock"] = pd.concat([a, b], ignore_index=True)

    # capacity: available and new online
    frames_av, frames_new = {}, {}
    for r in runs:
        cap = r.tables.get("capacity")
        if cap is None:
            continue
        frames_av[r.label] = cap
        frames_new[r.label] = cap
    if len(frames_av) == len(runs):
        a = _side_by_side(frames_av, ["material", "stage", "year"], "available_tpa", base)
        b = _side_by_side(frames_new, ["material", "stage", "year"], "new_online_tpa", base)
        a.insert(3, "quantity", "available (t/yr)")
        b.insert(3, "quantity", "new online (t/yr)")
        out["capacity"] = pd.concat([a, b], ignore_index=True)

    # run information
    meta = []
    for r in runs:
        v = r.manifest.get("versions", {})
        meta.append(dict(run=r.label, folder=str(r.folder.name), case=r.case,
                         input_file=r.manifest.get("input_file") or r.info.get("input_file"),
                         input_sha256=r.manifest.get("input_sha256") or r.info.get("input_sha256"),
                         started_utc=r.manifest.get("started_utc") or r.info.get("started_utc"),
                         **{f"version_{k}": val for k, val in v.items()}))
    out["runs"] = pd.DataFrame(meta)
    return out


def _missed_like_for_like(tables: dict) -> tuple[int, float]:
    """Benchmark rows missed in the run's main scenario (nominal), and the probability-weighted
    number of rows missed per scenario: counts that mean the same for a run with one scenario and
    one with many (the plain count of rows grows with the number of scenarios)."""
    comp = tables.get("compliance")
    if comp is None or not len(comp):
        return 0, 0.0
    miss = ~comp["met"].astype(bool)
    scen = comp["scenario"].astype(str)
    main = int((miss & (scen == S.main_scenario(tables))).sum())
    probs = S.probabilities(tables)
    expected = float(sum(p * int((miss & (scen == w)).sum()) for w, p in probs.items()))
    return main, expected


def _years(tables: dict) -> list[int]:
    for name in ("capacity", "sourcing", "unmet"):
        df = tables.get(name)
        if df is not None and len(df):
            return sorted({int(y) for y in df["year"]})
    return []


def scope_table(runs: list[RunRecord]) -> pd.DataFrame:
    """What each run covers (materials, scenarios, years) and how it differs from the baseline."""
    base = runs[0]
    rows = []
    for r in runs:
        mats = list(dict.fromkeys(r.tables["cost_summary"]["material"])) if "cost_summary" in r.tables else []
        years = _years(r.tables)
        scen = S.scenarios(r.tables)
        rows.append(dict(run=r.label, materials=len(mats), scenarios=len(scen),
                         years=f"{years[0]}-{years[-1]}" if years else "",
                         material_list=", ".join(map(str, mats)), scenario_list=", ".join(scen),
                         differences="; ".join(scope_differences(base, r)) if r is not base else "baseline"))
    return pd.DataFrame(rows)


def scope_differences(a: RunRecord, b: RunRecord) -> list[str]:
    """Sentences on what makes run ``b`` not comparable line by line with run ``a``."""
    out = []
    ma = list(dict.fromkeys(a.tables["cost_summary"]["material"])) if "cost_summary" in a.tables else []
    mb = list(dict.fromkeys(b.tables["cost_summary"]["material"])) if "cost_summary" in b.tables else []
    only_a, only_b = [m for m in ma if m not in mb], [m for m in mb if m not in ma]
    if only_a or only_b:
        parts = []
        if only_b:
            parts.append(f"{len(only_b)} material(s) only in {b.label} ({', '.join(map(str, only_b[:6]))}"
                         + (", ..." if len(only_b) > 6 else "") + ")")
        if only_a:
            parts.append(f"{len(only_a)} only in {a.label} ({', '.join(map(str, only_a[:6]))}"
                         + (", ..." if len(only_a) > 6 else "") + ")")
        out.append("different materials: " + " and ".join(parts)
                   + "; totals are not like for like, compare the common materials' rows")
    sa, sb = S.scenarios(a.tables), S.scenarios(b.tables)
    if len(sa) != len(sb) or set(sa) != set(sb):
        out.append(f"different scenarios ({len(sa)} in {a.label}, {len(sb)} in {b.label}): costs and shares "
                   "are expected values over each run's own scenarios; rows missed are compared in the main "
                   "scenario and as a probability-weighted count (rows_missed counts every scenario's rows)")
    ya, yb = _years(a.tables), _years(b.tables)
    if ya != yb:
        out.append(f"different years ({ya[0] if ya else '-'}-{ya[-1] if ya else '-'} in {a.label}, "
                   f"{yb[0] if yb else '-'}-{yb[-1] if yb else '-'} in {b.label})")
    return out


NOTES = {
    "summary": "One row per run; the first run is the baseline. diff_eur = objective - baseline objective. "
               "rows_missed counts every scenario's rows; compare runs with different scenarios by "
               "rows_missed_main_scenario or rows_missed_expected (see sheet scope).",
    "scope": "What each run covers and how it differs from the baseline: where materials, scenarios or "
             "years differ, the runs are not comparable line by line.",
    "costs": "Present value by material and component (EUR); 'total' rows add the components; 'objective' is "
             "the run's objective (with a risk weight it adds the CVaR term). Highlighted: differs from the baseline.",
    "supply_shares": "Share of each origin in refined supply (refined imports by country, EU processing, EU "
                     "recycling; stock releases not counted), probability-weighted over each run's scenarios.",
    "compliance": "Per benchmark and year: target, achieved share (probability-weighted over scenarios) and "
                  "whether it is met in every scenario. Red: missed; highlighted: differs from the baseline.",
    "stock": "Stock target (first stage) and expected inventory at year end (t).",
    "capacity": "EU capacity available and new capacity coming online (t/yr).",
    "runs": "Where each run comes from.",
}


def _differs(a, b) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return a != b
    if math.isnan(a) and math.isnan(b):
        return False
    if math.isnan(a) or math.isnan(b):
        return True
    return abs(a - b) > RTOL * max(abs(a), abs(b), 1.0)


# number format of the run and difference columns, per sheet
VALUE_FORMATS = {"costs": '#,##0" EUR"', "supply_shares": "0.0%", "stock": '#,##0.0" t"',
                 "capacity": '#,##0.0" t/yr"'}


def write_comparison(path, tables: dict[str, pd.DataFrame], labels: list[str]) -> Path:
    from model.io.write import _print_setup, write_frame

    wb = Workbook()
    wb.remove(wb.active)
    base = labels[0]
    for name, df in tables.items():
        ws = wb.create_sheet(name)
        hdr = write_frame(ws, df, note=NOTES.get(name))
        _print_setup(ws, title_row=hdr)
        cols = list(df.columns)
        fmt = VALUE_FORMATS.get(name)
        if fmt:
            for lab in labels:
                for col in (lab, f"{lab} - {base}"):
                    if col in cols:
                        j = cols.index(col) + 1
                        for i in range(hdr + 1, hdr + 1 + len(df)):
                            ws.cell(row=i, column=j).number_format = fmt
        # highlight differences to the baseline
        for lab in labels[1:]:
            if name == "compliance":
                pairs = [(f"{q} [{lab}]", f"{q} [{base}]") for q in ("target_share", "achieved_share", "met")]
            elif name in ("summary", "runs"):
                pairs = []
            else:
                pairs = [(lab, base)]
            for a, b in pairs:
                if a not in cols or b not in cols:
                    continue
                ja = cols.index(a) + 1
                for i, (va, vb) in enumerate(zip(df[a], df[b]), start=hdr + 1):
                    if _differs(va, vb):
                        ws.cell(row=i, column=ja).fill = DIFF_FILL
            diff = f"{lab} - {base}" if name != "compliance" else f"achieved_share [{lab} - {base}]"
            if diff in cols:
                jd = cols.index(diff) + 1
                for i, v in enumerate(df[diff], start=hdr + 1):
                    if _differs(v, 0.0):
                        ws.cell(row=i, column=jd).fill = DIFF_FILL
        if name == "summary":
            for col in ("diff_eur", "diff_share"):
                j = cols.index(col) + 1
                for i, v in enumerate(df[col], start=hdr + 1):
                    if _differs(v, 0.0):
                        ws.cell(row=i, column=j).fill = DIFF_FILL
            ws.cell(row=hdr + 1, column=1).font = Font(bold=True)
        if name == "compliance":
            for lab in labels:
                col = f"met [{lab}]"
                if col in cols:
                    j = cols.index(col) + 1
                    for i, v in enumerate(df[col], start=hdr + 1):
                        if str(v) == "False":
                            ws.cell(row=i, column=j).fill = MISSED_FILL
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def compare(run_dirs, output, quiet: bool = True) -> tuple[Path, dict[str, pd.DataFrame]]:
    """Compare two or more run folders; returns the workbook path and the comparison tables."""
    from model import progress as P

    if len(run_dirs) < 2:
        raise InputError([Issue(file="command line", expected="two or more run folders to compare")])
    runs = [load_run(p) for p in P.bar(run_dirs, "reading run folders", quiet=quiet, unit="run")]
    for r, lab in zip(runs, _labels(runs)):
        r.label = lab
    tables = comparison_tables(runs)
    return write_comparison(output, tables, [r.label for r in runs]), tables


# ---- reproduce ------------------------------------------------------------------------------------
@dataclass
class Reproduction:
    folder: Path
    matches: bool = True
    checked: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    objective_stored: float | None = None
    objective_new: float | None = None

    def report(self, limit: int = 40) -> str:
        lines = [f"Reproduction of {self.folder.name}: "
                 + ("the numbers MATCH" if self.matches else "the numbers DIFFER")]
        if self.objective_stored is not None and self.objective_new is not None:
            lines.append(f"  objective: stored {self.objective_stored:,.2f} EUR, re-run {self.objective_new:,.2f} EUR")
        lines.append(f"  compared: {', '.join(self.checked)}" if self.checked else "  compared: nothing")
        for w in self.warnings:
            lines.append(f"  note: {w}")
        for m in self.mismatches[:limit]:
            lines.append(f"  MISMATCH: {m}")
        if len(self.mismatches) > limit:
            lines.append(f"  ... and {len(self.mismatches) - limit} more mismatches")
        return "\n".join(lines)


# columns that say which row a mismatch is in
KEY_COLUMNS = ("scenario", "material", "benchmark", "stage", "country", "year", "flow", "component", "measure",
               "contract", "constraint")


def _close(a, b, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1.0)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same(a, b, rtol: float) -> bool:
    na = a is None or (isinstance(a, float) and math.isnan(a))
    nb = b is None or (isinstance(b, float) and math.isnan(b))
    if na or nb:
        return na and nb
    if _is_num(a) and _is_num(b):
        return _close(float(a), float(b), rtol)
    return a == b


def compare_tables(stored: dict, new: dict, rtol: float = RTOL) -> tuple[list[str], list[str]]:
    """Cell-by-cell comparison of two sets of tidy tables; returns (tables checked, mismatches)."""
    checked, bad = [], []
    for name in sorted(set(stored) | set(new)):
        if name not in new:
            bad.append(f"table {name}: in the stored results but not produced by the re-run")
            continue
        if name not in stored:
            bad.append(f"table {name}: produced by the re-run but not in the stored results")
            continue
        a, b = stored[name], new[name]
        checked.append(name)
        if list(a.columns) != list(b.columns):
            bad.append(f"table {name}: columns differ ({list(a.columns)} vs {list(b.columns)})")
            continue
        if len(a) != len(b):
            bad.append(f"table {name}: {len(a)} rows stored, {len(b)} rows in the re-run")
            continue
        keys = [c for c in a.columns if c in KEY_COLUMNS]
        for col in a.columns:
            for i, (x, y) in enumerate(zip(a[col].tolist(), b[col].tolist())):
                if not _same(x, y, rtol):
                    where = ", ".join(f"{k} {a[k].iloc[i]}" for k in keys if not _same(a[k].iloc[i], None, rtol))
                    bad.append(f"table {name}, row {i + 1} ({where}), column {col}: stored {x!r}, re-run {y!r}")
    return checked, bad


def reproduce(run_dir, rtol: float = RTOL, progress=None) -> Reproduction:
    """Re-solve a run from its copied input and compare objective and every table with the stored ones."""
    from model.io.write import read_results, write_results
    from model.pipeline import sha256, solve_data, versions
    from model.validate import load

    say = progress or (lambda msg: None)
    rec = load_run(run_dir)
    folder = rec.folder
    out = Reproduction(folder=folder)
    inputs = sorted(folder.glob("input.*"))
    if not inputs:
        raise InputError([Issue(file=str(folder), expected="the run folder's copy of its input workbook "
                                "(input.xlsx), which every run writes")])
    path = inputs[0]
    if rec.manifest:
        if rec.manifest.get("input_sha256") and sha256(path) != rec.manifest["input_sha256"]:
            out.mismatches.append(f"{path.name} has changed since the run (its SHA-256 differs from the "
                                  "manifest's input_sha256)")
        now = versions()
        for k, v in (rec.manifest.get("versions") or {}).items():
            if now.get(k) != v:
                out.warnings.append(f"{k} {v} at the run, {now.get(k)} now")
    else:
        out.warnings.append("no manifest.json: checked against results.xlsx only")
    say(f"Re-solving {path.name} from {folder.name} ...")
    data = load(path)
    if rec.manifest.get("settings"):
        for k, v in rec.manifest["settings"].items():
            if k in data.settings and str(data.settings[k]) != str(v):
                out.warnings.append(f"setting {k}: {v} at the run, {data.settings[k]} now")
    # the same formulation whichever backend the run used; re-solved on HiGHS directly, by the
    # method the run used (runs before the decomposition existed used the extensive form): where
    # the LP is degenerate, the two may return different optimal duals
    from model import progress as P
    from model.analysis.decompose import METHOD_DECOMPOSED

    method = "decomposed" if (rec.manifest or {}).get("method") == METHOD_DECOMPOSED else "extensive"
    with P.ticking(f"re-solving {path.name}", quiet=progress is None):
        run = solve_data(data, method=method)
    if "benchmark_cost" in rec.tables:  # made by run_case beside the run's own solve
        from model.analysis.benchmark_cost import add_benchmark_cost

        add_benchmark_cost(run)
    out.objective_stored, out.objective_new = rec.objective, run.solution.objective
    if not _close(rec.objective, run.solution.objective, rtol):
        out.mismatches.insert(0, f"objective: stored {rec.objective!r}, re-run {run.solution.objective!r}")
    if rec.info.get("objective_eur") not in (None, ""):
        stored_sheet = float(rec.info["objective_eur"])
        if not _close(stored_sheet, run.solution.objective, rtol):
            out.mismatches.insert(0, f"results.xlsx run sheet objective_eur: stored {stored_sheet!r}, "
                                     f"re-run {run.solution.objective!r}")
    say("Comparing the result tables ...")
    with tempfile.TemporaryDirectory() as tmp:
        # the re-run goes through the same writer and reader as the stored results
        book = write_results(Path(tmp) / "results.xlsx", run.results, {"case": rec.case})
        new_tables, _ = read_results(book)
    checked, bad = compare_tables(rec.tables, new_tables, rtol)
    out.checked = ["objective"] + checked
    out.mismatches += bad
    out.matches = not out.mismatches
    return out
