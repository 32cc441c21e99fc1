"""Technology-driven demand: deployment x intensity -> material inflow; lifetimes -> end of life.

The data side of the dynamic stock model (docs/formulation.md §15). For every product p (sheet
``products``) with deployment D[p,c] in the run's demand scenario (sheet ``deployment``, history
included) and intensities I[p,m,c] = I0 x (1 + g)^(c - base year) (sheet ``intensity``):

    inflow[p,m,t]  = D[p,t] x I[p,m,t]                         (material demand)
    outflow[p,m,t] = sum_{c <= t} D[p,c] x I[p,m,c] x f_p(t - c)  (end-of-life arising)
    feedstock[m,t] = sum_p collection_rate[p] x recycling_efficiency[p,m] x outflow[p,m,t]

A unit keeps the intensity of its year of deployment. f_p is the discrete lifetime distribution
of the product: a unit deployed in year c (at mid-year) survives to the end of year t with
probability S(t - c + 1/2), so f(0) = 1 - S(1/2) and f(a) = S(a - 1/2) - S(a + 1/2) (``pdf``), with
S the survival function of a fixed, normal or Weibull lifetime (``survival``). The stock in use and
the outflows are computed with flodym's inflow-driven dynamic stock model (``flodym_outflow``);
``pdf`` is the same distribution in closed form, which model/blocks/technologies.py uses for the
linear constraints of substitution and the tests compare with flodym.

``with_technology_demand`` is a data transformation: it writes the inflow into the demand table
(column demand) and the outflow into eol_arising (with the outflow-weighted collection rate) of
every material the technologies cover, and keeps the flows on ``ModelData.technologies``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from model import registry as R


def weibull_scale(mean: float, shape: float) -> float:
    """The Weibull scale of a distribution with this mean and shape: mean / Gamma(1 + 1/k)."""
    return mean / math.gamma(1.0 + 1.0 / shape)


def survival(model: str, mean: float, sd: float, shape: float, x: np.ndarray) -> np.ndarray:
    """S(x): the probability that a unit is still in use x years after it was put in use."""
    x = np.asarray(x, dtype=float)
    if model == "fixed":
        return (x < mean).astype(float)
    if model == "normal":
        erfc = np.vectorize(math.erfc, otypes=[float])
        return 0.5 * erfc((x - mean) / (sd * math.sqrt(2.0)))
    if model == "weibull":
        scale = weibull_scale(mean, shape)
        return np.where(x > 0, np.exp(-(np.maximum(x, 0.0) / scale) ** shape), 1.0)
    raise ValueError(model)


def pdf(model: str, mean: float, sd: float, shape: float, n: int) -> np.ndarray:
    """f(a), a = 0..n-1: the share of a year's deployment that leaves use a years later."""
    ages = np.arange(n, dtype=float)
    s_end = survival(model, mean, sd, shape, ages + 0.5)
    s_start = np.concatenate(([1.0], survival(model, mean, sd, shape, ages[1:] - 0.5)))
    return s_start - s_end


def flodym_outflow(years, deployment: np.ndarray, recs: list[dict]):
    """Stock in use and outflow by cohort of each product, with flodym's InflowDrivenDSM.

    ``deployment``: (years, products) units per year; ``recs``: the products rows. Returns
    (stock by cohort, outflow by cohort), each (year t, cohort c, product)."""
    import flodym

    n_t, n_p = deployment.shape
    stock = np.zeros((n_t, n_t, n_p))
    out = np.zeros((n_t, n_t, n_p))
    # flodym's time axis needs three years at least: two more years (no deployment) are added and
    # dropped (they change nothing before them: the years are consecutive)
    padded = list(years) + [years[-1] + 1, years[-1] + 2]
    for j, rec in enumerate(recs):
        if not deployment[:, j].any():  # nothing in use, nothing leaves
            continue
        dims = flodym.DimensionSet(dim_list=[flodym.Dimension(name="time", letter="t", items=padded)])
        kind = rec["lifetime_model"]
        if kind == "fixed":
            lt = flodym.FixedLifetime(dims=dims, mean=rec["lifetime"])
        elif kind == "normal":
            lt = flodym.NormalLifetime(dims=dims, mean=rec["lifetime"], std=rec["lifetime_sd"])
        else:
            lt = flodym.WeibullLifetime(dims=dims, weibull_shape=rec["weibull_shape"],
                                        weibull_scale=weibull_scale(rec["lifetime"], rec["weibull_shape"]))
        inflow = np.append(deployment[:, j].astype(float), [0.0, 0.0])
        dsm = flodym.InflowDrivenDSM(dims=dims, lifetime_model=lt, inflow=flodym.StockArray(dims=dims, values=inflow))
        dsm.compute()
        stock[:, :, j] = dsm.get_stock_by_cohort()[:n_t, :n_t]
        out[:, :, j] = dsm.get_outflow_by_cohort()[:n_t, :n_t]
    return stock, out


@dataclass
class Technologies:
    """The technology-driven flows of one run (axis order: year, product, material)."""

    scenario: str
    products: list[str]
    materials: list[str]  # the materials whose demand comes from the technologies
    years: list[int]  # the full time axis: history and horizon
    deployment: np.ndarray  # (y, p) units/yr
    intensity: np.ndarray  # (y, p, m) t/unit of a unit deployed in the year
    efficiency: np.ndarray  # (p, m) recycling efficiency
    collection: np.ndarray  # (p,)
    pdf: np.ndarray  # (p, age) lifetime distribution, closed form
    inflow: np.ndarray = field(default=None)  # (y, p, m) t
    outflow: np.ndarray = field(default=None)  # (y, p, m) t
    stock: np.ndarray = field(default=None)  # (y, p, m) t in use at the end of the year

    @property
    def feedstock(self) -> np.ndarray:
        """(y, m) recyclable end-of-life material: collection x efficiency x outflow."""
        return np.einsum("ypm,p,pm->ym", self.outflow, self.collection, self.efficiency)

    def at(self, t: int) -> int:
        return self.years.index(t)


def demand_scenarios(data) -> list[str]:
    """The demand scenarios named in the deployment sheet ('all' rows hold in each)."""
    return sorted({key[0] for key in data.table("deployment") if key[0] != "all"})


def chosen_scenario(data) -> str | None:
    """The run's base demand scenario: setting demand_scenario, else the first the scenarios carry,
    else the only one of the deployment sheet ('all' when it names none)."""
    chosen = data.settings.get("demand_scenario") or ""
    if chosen:
        return chosen
    carried = [d for d in data.demand_of.values() if d]
    if carried:
        return carried[0]
    names = demand_scenarios(data)
    return names[0] if len(names) == 1 else ("all" if not names and data.table("deployment") else None)


PRODUCT_SEP = "|"  # the name of a scenario of the product: '<disruption scenario>|<demand scenario>'


def assign_demand_scenarios(data) -> None:
    """Demand uncertainty (formulation §15.1), in place after the scenario probabilities are set:
    a scenario whose row names a demand_scenario carries it (an explicit list); with rows in sheet
    demand_scenarios, every other scenario w is replaced by one scenario 'w|d' per demand scenario
    d, with probability p(w) x p(d) and the disruptions of w (the product). ``data.demand_of``
    maps each scenario to its demand scenario; empty when no scenario carries one."""
    named = {w: (rec.get("demand_scenario") or "") for w, rec in data.table("scenarios").items()}
    dist = {d: rec["probability"] for d, rec in data.table("demand_scenarios").items()}
    data.demand_of = {}
    if not dist and not any(named.values()):
        return
    prob, dis, of = {}, {}, {}
    for w, p in data.probability.items():
        own = named.get(w, "")
        if own or not dist:
            prob[w], dis[w], of[w] = p, data.disruption.get(w, {}), own or None
            continue
        for d, q in dist.items():
            name = f"{w}{PRODUCT_SEP}{d}"
            prob[name], dis[name], of[name] = p * q, dict(data.disruption.get(w, {})), d
    base = chosen_scenario(data)
    data.probability, data.disruption = prob, dis
    data.demand_of = {w: (d or base) for w, d in of.items()}


def covered_materials(data) -> list[str]:
    """Materials whose demand the technologies make (none with demand_source = demand_sheet)."""
    if data.settings.get("demand_source") == "demand_sheet" or not data.table("deployment"):
        return []
    used = {mm for (_, mm) in data.table("intensity")}
    return [mm for mm in data.materials if mm in used]


def technology_flows(data, scen: str | None = None) -> Technologies | None:
    """Inflow, outflow and stock in use of every product and covered material in demand scenario
    ``scen`` (default: the run's base one; None: no technology-driven demand in this run)."""
    mats = covered_materials(data)
    scen = scen or chosen_scenario(data)
    if not mats or scen is None:
        return None
    prods = data.table("products")
    dep = {(p, y): rec["deployment"] for (s, p, y), rec in data.table("deployment").items() if s in (scen, "all")}
    inten = data.table("intensity")
    products = [p for p in prods if any((p, mm) in inten for mm in mats)]
    first = min([y for (_, y) in dep] + [data.years[0]])
    years = list(range(first, data.years[-1] + 1))
    Y, P, M = len(years), len(products), len(mats)
    D = np.zeros((Y, P))
    for j, p in enumerate(products):
        for i, y in enumerate(years):
            D[i, j] = dep.get((p, y), 0.0)
    I = np.zeros((Y, P, M))
    eff = np.zeros((P, M))
    yrs = np.array(years, dtype=float)
    for j, p in enumerate(products):
        for k, mm in enumerate(mats):
            rec = inten.get((p, mm))
            if rec:
                base = rec["base_year"] if rec["base_year"] is not None else data.years[0]
                I[:, j, k] = rec["intensity"] * (1.0 + rec["annual_change"]) ** (yrs - base)
                eff[j, k] = rec["recycling_efficiency"]
    recs = [prods[p] for p in products]
    coll = np.array([r["collection_rate"] for r in recs], dtype=float)
    f = np.array([pdf(r["lifetime_model"], r["lifetime"], r["lifetime_sd"], r["weibull_shape"], Y)
                  for r in recs]).reshape(P, Y)
    tech = Technologies(scen, products, mats, years, D, I, eff, coll, f)
    stock_c, out_c = flodym_outflow(years, D, recs)  # (t, c, p) units
    tech.inflow = D[:, :, None] * I
    tech.outflow = np.einsum("tcp,cpm->tpm", out_c, I)
    tech.stock = np.einsum("tcp,cpm->tpm", stock_c, I)
    return tech


def recyclable(data, m: str, rec: dict) -> float:
    """The recyclable end-of-life feedstock of a demand row: collection x efficiency x outflow of
    the products for a material whose demand comes from technologies, else recycling_yield x
    collection_rate x eol_arising (formulation §3.2, §15)."""
    if "feedstock" in rec:
        return rec["feedstock"]
    return data.material(m)["recycling_yield"] * rec["collection_rate"] * rec["eol_arising"]


def with_technology_demand(data):
    """The data with the demand and end-of-life arisings of the covered materials from the
    technologies (a data transformation; the demand sheet's other columns are kept): the demand
    table is that of the base demand scenario, and with demand uncertainty (``data.demand_of``)
    ``data.demand_tables`` holds the table of every demand scenario a scenario carries."""
    base = technology_flows(data)
    if base is None:
        return data
    names = list(dict.fromkeys([base.scenario] + [d for d in data.demand_of.values() if d]))
    by = {d: (base if d == base.scenario else technology_flows(data, d)) for d in names}
    tables = {d: demand_table(data, tech) for d, tech in by.items()}
    new = data.derived(demand=tables[base.scenario])
    new.technologies = base
    if data.demand_of:
        new.demand_of = {w: d or base.scenario for w, d in data.demand_of.items()}
        new.technologies_by = by
        new.demand_tables = tables
    return new


def demand_table(data, tech: Technologies) -> dict:
    """The demand table with the demand, end-of-life arising, collection and recyclable feedstock
    of the covered materials from one demand scenario's technology flows."""
    demand = data.table_copy("demand")
    feed = tech.feedstock
    for k, mm in enumerate(tech.materials):
        for t in data.years:
            i = tech.at(t)
            out = float(tech.outflow[i, :, k].sum())
            coll = float(np.dot(tech.collection, tech.outflow[i, :, k]) / out) if out > 0 else 0.0
            rec = dict(demand.get((mm, t)) or {p: "" for p in R.PROVENANCE})
            # the sheet row's provenance stays (its demand came from the same technologies, or is
            # replaced by them); the note says which demand scenario the run computed
            rec.update(demand=float(tech.inflow[i, :, k].sum()), eol_arising=out, collection_rate=coll,
                       source=rec.get("source") or "technologies", confidence=rec.get("confidence") or "C",
                       note=(rec.get("note") or "") + f" [computed from the technologies, demand scenario "
                       f"{tech.scenario}]")
            rec["feedstock"] = float(feed[i, k])
            demand[(mm, t)] = rec
    return demand


def source_table(data):
    """Per material: where the run's demand came from (the 'demand_source' results table)."""
    import pandas as pd

    tech = getattr(data, "technologies", None)
    covered = set(tech.materials) if tech else set()
    rows = []
    for mm in data.materials:
        if mm in covered:
            prods = [p for j, p in enumerate(tech.products) if tech.intensity[:, j, tech.materials.index(mm)].any()]
            names = list(getattr(data, "technologies_by", {}) or [tech.scenario])
            rows.append(dict(material=mm, demand_from="technologies", demand_scenario=", ".join(names),
                             products=", ".join(prods)))
        else:
            rows.append(dict(material=mm, demand_from="demand sheet", demand_scenario="", products=""))
    return pd.DataFrame(rows, columns=["material", "demand_from", "demand_scenario", "products"])


def demand_by_technology(data):
    """Per material, product and horizon year: demand (inflow), end-of-life arising (outflow),
    recyclable feedstock and the material in use, in t (before any substitution the run chooses),
    in every demand scenario of the run."""
    import pandas as pd

    base = getattr(data, "technologies", None)
    cols = ["demand_scenario", "material", "product", "year", "demand_t", "eol_arising_t", "feedstock_t",
            "in_use_t"]
    if base is None:
        return pd.DataFrame(columns=cols)
    rows = []
    for tech in (data.technologies_by or {base.scenario: base}).values():
        rows += _by_technology(data, tech)
    return pd.DataFrame(rows, columns=cols)


def _by_technology(data, tech: Technologies) -> list:
    rows = []
    for k, mm in enumerate(tech.materials):
        for j, p in enumerate(tech.products):
            if not tech.intensity[:, j, k].any():
                continue
            for t in data.years:
                i = tech.at(t)
                o = tech.outflow[i, j, k]
                rows.append((tech.scenario, mm, p, t, tech.inflow[i, j, k], o,
                             tech.collection[j] * tech.efficiency[j, k] * o, tech.stock[i, j, k]))
    return rows
