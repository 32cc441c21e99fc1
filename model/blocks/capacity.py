"""EU capacity expansion for extraction, processing and recycling (formulation §4).

Variables: cap_new_cont[m,k,t] (t/yr coming online in year t) or n_modules[m,k,t] (integer, when a
module size is given); cap_new = module_size x n_modules or cap_new_cont. Published expression:
cap_avail[m,k,t] = existing + new capacity still within its lifetime. Constraints: build_limit,
max_capacity. Costs: capex as an annuity over the years of operation, fixed O&M on available
capacity.
"""
from __future__ import annotations

import numpy as np

from model.lp import Expr


def crf(rate: float, lifetime: int) -> float:
    """Capital recovery factor: the annuity per unit of capex over ``lifetime`` years."""
    if rate == 0:
        return 1.0 / lifetime
    return rate / (1.0 - (1.0 + rate) ** -lifetime)


def build_years(data, rec) -> list[int]:
    """Years in which new capacity of a technology row may come online (lead time respected)."""
    first = data.years[0]
    earliest = rec["earliest_build_year"] if rec["earliest_build_year"] is not None else first
    online = max(earliest, first) + rec["lead_time"]
    return [t for t in data.years if t >= online]


def owners(data) -> set:
    """Who owns EU capacity: the materials, and the co-product groups (sheet coproducts) that yield any
    of them."""
    return set(data.materials) | {g for (g, m) in data.table("coproducts") if m in data.materials}


def capacity_keys(data) -> list:
    """(material or co-product group, stage) pairs with any EU capacity, existing or buildable, sorted."""
    tech = data.table("technology")
    existing = data.table("capacity_existing")
    own = owners(data)
    return sorted({(mm, k) for (mm, k) in tech if mm in own} | {(mm, k) for (mm, k, _) in existing if mm in own})


def add_capacity(mod) -> None:
    data, lp, sp = mod.data, mod.lp, mod.space
    tech = data.table("technology")
    existing = data.table("capacity_existing")
    T = np.array(data.years)
    own = owners(data)
    techs = [(mm, k) for (mm, k) in tech if mm in own]
    new_keys = [(mm, k, t) for (mm, k) in techs for t in build_years(data, tech[(mm, k)])]
    new = sp.index(("m", "k", "t"), new_keys)
    rec_of = [tech[key[:2]] for key in new_keys]
    size = np.array([r["module_size"] for r in rec_of], dtype=float)
    modular = size > 0
    n_modules = lp.var("n_modules", new.take(modular), integer=True)
    cont = lp.var("cap_new_cont", new.take(~modular))
    cap_new = n_modules.at(new, size) + cont.at(new)
    mod.publish("cap_new", new, cap_new)

    # cap_avail: existing + every build still within its lifetime, per (m, k, t)
    keys = capacity_keys(data)
    avail = sp.index(("m", "k"), keys).repeat("t", sp.codes("t", data.years))
    avail_keys = avail.keys()
    const = np.array([existing.get(key, {}).get("capacity", 0.0) for key in avail_keys])
    built_t = np.array([t for (_, _, t) in new_keys], dtype=np.int64)
    life = np.array([r["lifetime"] for r in rec_of], dtype=np.int64)
    live = (T[None, :] >= built_t[:, None]) & (T[None, :] < (built_t + life)[:, None])
    src, year = np.nonzero(live)
    target = avail.find(new.take(src).with_dims(("m", "k", "t"), t=year))
    new_part = cap_new.spread(src, target, avail.n)
    cap_avail = new_part + const
    mod.publish("cap_avail", avail, cap_avail)

    # build_limit: most new capacity coming online in one year
    mx = np.array([r["max_build_per_year"] for r in rec_of], dtype=float)
    lim = np.isfinite(mx)
    lp.con("build_limit", new.take(lim), cap_new.take(lim), "<=", mx[lim])
    # max_capacity: reserves / sites bound the available capacity, from the first build year on
    first_build = {}
    for (mm, k, t) in new_keys:
        first_build.setdefault((mm, k), t)
    cap_max = np.array([tech[(mm, k)]["max_capacity"] if (mm, k) in first_build and t >= first_build[(mm, k)]
                        else np.inf for (mm, k, t) in avail_keys], dtype=float)
    lim = np.isfinite(cap_max)
    lp.con("max_capacity", avail.take(lim), cap_avail.take(lim), "<=", cap_max[lim])

    # capex annuity in every year of operation within the horizon; fixed O&M on available capacity
    rate = data.settings["discount_rate"]
    rec_avail = [tech.get((mm, k)) for (mm, k, _) in avail_keys]
    annuity = np.array([r["capex"] * crf(rate, r["lifetime"]) if r else 0.0 for r in rec_avail])
    has_new = new_part.nterms() > 0
    capex = has_new & (annuity != 0)
    lp.cost("capex", avail.take(capex), (new_part * annuity).take(capex))
    fom = np.array([r["fixed_om"] if r else 0.0 for r in rec_avail])
    om = (fom != 0) & (has_new | (const != 0))
    lp.cost("fixed_om", avail.take(om), (cap_avail * fom).take(om))


def available(mod, stage: str, query) -> Expr:
    """cap_avail of ``stage`` at the (m, t) of each key of ``query``."""
    return mod.flow("cap_avail", query.with_dims(("m", "k", "t"), k=mod.space.code["k"][stage]))
