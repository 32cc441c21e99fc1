"""What EU capacity of a material and stage can exist in a year, and why, in words.

Shared by the check before the solve (a hard benchmark that no capacity can meet: the model is
not even built, model/blocks/benchmarks.py and model/direct.py) and the explanation of an
infeasible run from HiGHS' irreducible infeasible subset (model/explain.py), so that both say the
same thing with the same numbers. Plain data in, text out; no model objects.
"""
from __future__ import annotations

from model import registry as R
from model.blocks.capacity import build_years
from model.demand import recyclable

STAGE_WORD = {"extraction": "mining", "processing": "refining", "recycling": "recycling"}


def counted_stages(data, bench: str) -> tuple[str, ...]:
    """The EU stages whose capacity (or output) the share benchmark ``bench`` counts: its own stage;
    for processing also recycling when the setting processing_counts_recycling is yes (Art. 2(8)
    of the Regulation: processing turns a raw material from ores, minerals, plant products *or
    waste* into metals, alloys and other forms; on the capacity basis up to ``recycling_feed``;
    formulation §6)."""
    if (bench == "processing" and str(data.settings.get("processing_counts_recycling") or "no") == "yes"
            and "recycling" in data.stages):
        return ("processing", "recycling")
    return (bench,)


def recycling_feed(data, mm: str, t: int) -> float:
    """The end-of-life feedstock the EU could recycle of ``mm`` in year ``t`` in every scenario: the
    least over the scenarios' demand tables of ``recyclable`` (recycling yield x collection x
    arisings). Recycling capacity counts toward the processing benchmark up to this much on the
    capacity basis: a recycler without scrap is not able to produce (formulation §6)."""
    feeds = []
    for w in data.scenarios or [None]:
        rec = data.demand_table(w).get((mm, t))
        feeds.append(recyclable(data, mm, rec) if rec else 0.0)
    return min(feeds) if feeds else 0.0


def counted_capacity(data, bench: str, mm: str, t: int, cap: dict) -> float:
    """What a capacity-basis share benchmark counts, from the EU capacity of each stage in ``cap``
    (refined equivalent): its own stage, plus recycling up to ``recycling_feed`` where
    ``counted_stages`` adds it (the rule of ``model.blocks.benchmarks.add_recycling_counted``)."""
    total = cap[bench]
    if len(counted_stages(data, bench)) > 1:
        total += min(cap["recycling"], recycling_feed(data, mm, t))
    return total


def first_online(data, rec) -> int:
    """The first year new capacity of a technology row can operate (earliest build + lead time)."""
    first = rec["earliest_build_year"] or data.years[0]
    return max(first, data.years[0]) + rec["lead_time"]


def reachable(data, mm, k, t) -> tuple[float, str]:
    """Most capacity of (material, stage) that can exist in year t, and why."""
    existing = data.table("capacity_existing").get((mm, k, t), {}).get("capacity", 0.0)
    rec = data.table("technology").get((mm, k))
    if rec is None:
        return existing, f"existing capacity {existing:,.1f} t/yr and no technology row to build more"
    years = [y for y in build_years(data, rec) if y <= t and t < y + rec["lifetime"]]
    first = rec["earliest_build_year"] or data.years[0]
    why = [f"existing capacity {existing:,.1f} t/yr"]
    if not years:
        why.append(f"new capacity can come online from {first_online(data, rec)} at the earliest (earliest "
                   f"build year {first}, lead time {rec['lead_time']} years)")
        return existing, ", ".join(why)
    new = len(years) * rec["max_build_per_year"]
    why.append(f"new capacity from {years[0]} (lead time {rec['lead_time']} years)")
    if rec["max_build_per_year"] < R.UNLIMITED:
        why.append(f"at most {rec['max_build_per_year']:,.1f} t/yr per year")
    total = existing + new
    if rec["max_capacity"] < R.UNLIMITED and rec["max_capacity"] < total:
        total = rec["max_capacity"]
        why.append(f"at most {rec['max_capacity']:,.1f} t/yr in all (reserves, sites)")
    return total, ", ".join(why)


def benchmark_shortfall(data, bench: str, basis: str, mm: str, t: int, level: float) -> str:
    """'the 40% processing benchmark (capacity basis) for gallium in 2030 needs ... t/yr of EU
    refining, but at most ... t/yr can exist by then: <why>'."""
    need = level * data.peak_demand(mm, t)  # the first-stage basis: the largest demand (§15.1)
    text = (f"the {level:.0%} {bench} benchmark ({basis} basis) for {mm} in {t} needs "
            f"{need:,.1f} t/yr of EU {STAGE_WORD[bench]}")
    if data.demand_uncertain:
        text += " (in the demand scenario with the largest demand)"
    yield_ = data.material(mm)["processing_yield"]
    if bench == "extraction":
        text += f" (refined equivalent; {need / yield_:,.1f} t/yr of ore)"
    stages = counted_stages(data, bench)
    parts = [reachable(data, mm, k, t) for k in stages]
    if len(stages) > 1:  # recycling counts up to its feedstock
        feed = recycling_feed(data, mm, t)
        r, w = parts[1]
        if feed < r:
            parts[1] = (feed, f"{w}, counted up to its end-of-life feedstock {feed:,.1f} t")
    reach = sum(r for r, _ in parts)
    why = parts[0][1] if len(parts) == 1 else "; ".join(f"{STAGE_WORD[k]}: {w}" for k, (_, w) in zip(stages, parts))
    if bench == "extraction":
        reach *= yield_
    if len(stages) > 1:
        text += " (refining and recycling together: setting processing_counts_recycling)"
    return f"{text}, but at most {reach:,.1f} t/yr can exist by then: {why}"


def unreachable_benchmark(data, bench: str, basis: str, mm: str, t: int, level: float) -> str:
    """The message of a hard benchmark that no capacity can meet (found before the solve), with
    what to change: the technology row's timing when one exists, a technology row when none does."""
    text = benchmark_shortfall(data, bench, basis, mm, t, level)
    rec = data.table("technology").get((mm, bench))
    if rec is None:
        fix = (f"add a technology row (sheet technology, material {mm}, stage {bench}) or existing "
               f"capacity (sheet capacity_existing), lower the level, or make the benchmark soft")
    else:
        online, last = first_online(data, rec), data.years[-1]
        where = f"sheet technology, material {mm}, stage {bench}"
        if online > last:
            fix = (f"new capacity would come online only in {online}, after the horizon ends in {last}: "
                   f"shorten the lead time or allow an earlier earliest_build_year ({where}), add "
                   f"existing capacity (sheet capacity_existing), or make the benchmark soft")
        else:
            fix = (f"start the benchmark in {online} or later (sheet benchmarks, start_year), shorten the "
                   f"lead time or allow an earlier earliest_build_year ({where}), add existing capacity "
                   f"(sheet capacity_existing), or make the benchmark soft")
    return f"The model cannot be built: {text}. To fix it: {fix}."
