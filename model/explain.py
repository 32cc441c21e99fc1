"""Explain an infeasible run in the user's terms.

HiGHS computes an irreducible infeasible subset (IIS) of the LP: a set of constraints and variable
bounds that cannot hold together, and that hold once any one of them is dropped. Each IIS row is
mapped back to its constraint family and key (named as in docs/formulation.md) and rewritten in words with
the numbers of the input workbook. ``soften`` (model/transform.py) is the alternative: every hard
benchmark becomes soft at a high penalty, and the run reports the cheapest violation instead of
failing.
"""
from __future__ import annotations

import bisect

from model.blocks import benchmarks as BM
from model.data import ModelData
from model.reach import STAGE_WORD, benchmark_shortfall
from model.reach import reachable as _reachable



def iis_rows(mod, hm) -> list[tuple[str, object]]:
    """(constraint family, key) of each row in HiGHS' IIS of the last (infeasible) solve, or []."""
    lp = mod.lp
    out = []
    starts = sorted((c.start, name) for name, c in lp.cons.items())
    firsts = [s for s, _ in starts]
    for r in hm.iis_rows():
        i = bisect.bisect_right(firsts, r) - 1
        if i < 0:
            continue
        name = starts[i][1]
        con = lp.cons[name]
        if r < con.start + con.n:
            out.append((name, con.index.take([r - con.start]).keys()[0]))
    return out


def describe(name: str, key, data: ModelData) -> str:
    """One constraint row of the IIS (family name and key) in words."""
    idx = key if isinstance(key, tuple) else (key,)
    if name.startswith("benchmark_") and name != "benchmark_single_country":
        bench, basis = name[len("benchmark_"):].rsplit("_", 1)
        mm, t = idx[0], idx[1]
        rec = BM.resolve(data)[(bench, mm, bench)]
        return benchmark_shortfall(data, bench, basis, mm, t, BM.level(rec, t))
    if name == "benchmark_single_country":
        mm, k, c, t, w = idx
        rec = BM.resolve(data)[("single_country", mm, k)]
        lv = BM.level(rec, t)
        return (f"no third country may supply more than {lv:.0%} of {mm} consumption at the {k} stage "
                f"in {t} (scenario {w}): {c} at most {lv * data.demand(mm, t):,.1f} t")
    if name == "supply_limit":
        mm, c, k, t, w = idx
        rec = data.table("supply")[(mm, c, k, t)]
        lost = data.disruption.get(w, {}).get((mm, c, k, t), (0.0, 1.0))[0]
        extra = f", {lost:.0%} of it lost in scenario {w}" if lost else ""
        return f"{c} can sell at most {rec['available']:,.1f} t of {mm} ({k}) in {t}{extra}"
    if name in ("build_limit", "max_capacity"):
        mm, k, t = idx
        rec = data.table("technology")[(mm, k)]
        if name == "build_limit":
            return f"at most {rec['max_build_per_year']:,.1f} t/yr of new {k} capacity for {mm} per year ({t})"
        return f"{k} capacity for {mm} is limited to {rec['max_capacity']:,.1f} t/yr (reserves, sites; {t})"
    if name in ("processing_capacity", "mining_capacity", "recycling_capacity"):
        mm, t, w = idx
        k = {"processing_capacity": "processing", "mining_capacity": "extraction",
             "recycling_capacity": "recycling"}[name]
        reach, why = _reachable(data, mm, k, t)
        return f"EU {STAGE_WORD[k]} of {mm} in {t} is limited by its capacity: at most {reach:,.1f} t/yr ({why})"
    if name == "recycling_feedstock":
        mm, t, w = idx
        d = data.table("demand").get((mm, t), {})
        return (f"EU recycling of {mm} in {t} is limited by collectable scrap: recycling yield "
                f"{data.material(mm)['recycling_yield']:.0%} x collection rate {d.get('collection_rate', 0):.0%} "
                f"x end-of-life arising {d.get('eol_arising', 0):,.1f} t")
    if name == "stock_coverage":
        mm, t, w = idx
        rec = data.table("stockpile")[mm]
        return (f"the stock of {mm} must cover {rec['coverage_days']:g} days of {rec['coverage_basis']} "
                f"in {t}, and may be at most {rec['max_stock']:,.1f} t")
    if name.startswith(("contract_", "tier_")):
        return f"{name}[{', '.join(map(str, idx))}] (purchasing terms, see docs/formulation.md §12)"
    return f"{name}[{', '.join(map(str, idx))}] (see docs/formulation.md)"


def explain(mod, hm) -> str:
    """A paragraph for an infeasible run: the IIS in words, or a generic hint if none is found."""
    rows = iis_rows(mod, hm)
    if not rows:
        return ("The model is infeasible, and HiGHS could not isolate why. Make the benchmarks soft "
                "(sheet benchmarks, column enforcement; or the setting soft_benchmarks = yes) to see "
                "the cheapest violation.")
    lines = ["The model is infeasible. These conditions cannot all hold (an irreducible infeasible "
             "subset: dropping any one of them removes the conflict):"]
    seen = set()
    for name, key in rows:
        text = describe(name, key, mod.data)
        if text not in seen:
            seen.add(text)
            label = ",".join(map(str, key if isinstance(key, tuple) else (key,)))
            lines.append(f"  * {text};  [{name}[{label}]]")
    lines.append("Relax one of them, or set soft_benchmarks = yes in the settings sheet to report the "
                 "cheapest violation instead.")
    return "\n".join(lines)
