"""Data transformations: ModelData -> ModelData, the one place for every what-if.

Soft benchmarks, a benchmark's level, price multipliers, the expected-value problem, one scenario
alone: each is a plain function of the data, used alike by the run (soft_benchmarks = yes), the
sweeps (model/analysis/sweep.py, model/warm.py), the value of information (model/stochastic.py)
and the decompositions. The model never checks a flag deep inside a constraint for these.
"""
from __future__ import annotations

from model.data import ModelData

EV_SCENARIO = "expected"


def soften(data: ModelData, penalty: float | None = None) -> ModelData:
    """Every hard benchmark soft, at ``penalty`` EUR/t (default 10 x the largest value of lost load)."""
    new = data.derived(benchmarks=data.table_copy("benchmarks"))
    if penalty is None:
        penalty = 10.0 * max([rec["voll"] for rec in new.tables["materials"].values()] + [1.0])
    for rec in new.tables["benchmarks"].values():
        if rec["enforcement"] == "hard":
            rec["enforcement"] = "soft"
            rec["penalty"] = penalty
    return new


def with_benchmark_level(data: ModelData, benchmark: str, level: float, material=None, stage=None) -> ModelData:
    """A copy of ``data`` with benchmark ``benchmark`` at ``level`` (the cold transformation).

    Every benchmarks-sheet row of that id (and stage, if given) takes the level; with a material,
    only that material, which gets its own copy of the 'all' row when it has none.
    """
    new = data.derived(benchmarks=data.table_copy("benchmarks"))
    rows = new.tables["benchmarks"]
    keys = [k for k in rows if k[0] == benchmark and (stage is None or k[2] in (stage, ""))]
    if material is not None:
        own = [k for k in keys if k[1] == material]
        if not own and new.material(material)["strategic"]:
            for k in [k for k in keys if k[1] == "all"]:
                rows[(k[0], material, k[2])] = dict(rows[k])
                own.append((k[0], material, k[2]))
        keys = own
    for k in keys:
        rows[k]["level"] = float(level)
    return new


def with_price_multiplier(data: ModelData, multiplier: float, material=None, country=None, stage=None) -> ModelData:
    """A copy of ``data`` with the spot prices (supply and tiers) of the matching offers x multiplier."""
    new = data.derived(supply=data.table_copy("supply"), tiers=data.table_copy("tiers"))
    for sheet in ("supply", "tiers"):
        for key, rec in new.tables.get(sheet, {}).items():
            mm, c, k = key[0], key[1], key[2]
            if (material in (None, mm)) and (country in (None, c)) and (stage in (None, k)):
                rec["price"] = rec["price"] * multiplier
    return new


def risk_neutral(data: ModelData) -> ModelData:
    new = data.derived()
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
    if data.demand_of:  # the mean demand (formulation §15.1)
        new.demand_tables = {**data.demand_tables, EV_SCENARIO: mean_demand(data)}
        new.demand_of = {EV_SCENARIO: EV_SCENARIO}
    return new


MEAN_COLUMNS = ("demand", "eol_arising", "feedstock")


def mean_demand(data: ModelData) -> dict:
    """The probability-weighted mean of the scenarios' demand tables (demand, end-of-life arising
    and recyclable feedstock; the other columns of the first scenario's table)."""
    out: dict = {}
    for w, p in data.probability.items():
        for key, rec in data.demand_table(w).items():
            acc = out.setdefault(key, {**rec, **{c: 0.0 for c in MEAN_COLUMNS if c in rec}})
            for c in MEAN_COLUMNS:
                if c in rec:
                    acc[c] += p * rec[c]
    return out


def scenario_data(data: ModelData, scenario: str) -> ModelData:
    """Scenario ``scenario`` alone, with probability 1 (risk neutral)."""
    new = risk_neutral(data)
    new.probability = {scenario: 1.0}
    new.disruption = {scenario: dict(data.disruption.get(scenario, {}))}
    new.demand_of = {scenario: data.demand_of[scenario]} if scenario in data.demand_of else {}
    return new


def materials_subset(data: ModelData, materials) -> ModelData:
    """The same case restricted to some materials. Materials share no constraint (only the CVaR
    term of the objective couples them), so a risk-neutral model of the whole case is the sum of
    the models of its materials; the tables keep their rows and the model reads only the rows of
    the materials in ``data.materials``."""
    new = data.derived()
    new.materials = [m for m in data.materials if m in set(materials)]
    return new


def coupled_groups(data: ModelData) -> list[list[str]]:
    """The materials in groups that share a constraint: a by-product with its modelled host (sheet
    byproducts) and the members of a co-product plant (sheet coproducts); every other material is
    a group of its own. In the order of ``data.materials``."""
    parent = {m: m for m in data.materials}

    def find(m):
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    def join(a, b):
        if a in parent and b in parent:
            parent[find(a)] = find(b)

    for (b, h) in data.table("byproducts"):
        join(b, h)
    members = {}
    for (g, m) in data.table("coproducts"):
        members.setdefault(g, []).append(m)
    for ms in members.values():
        for m in ms[1:]:
            join(ms[0], m)
    out: dict = {}
    for m in data.materials:
        out.setdefault(find(m), []).append(m)
    return list(out.values())


def materials_split(data: ModelData) -> dict:
    """{tuple of materials: the case restricted to them}, one per coupled group (``coupled_groups``),
    with each table keyed by material split in one pass, so that a model of one group reads only its
    rows. Tables not keyed by material (benchmarks, contracts, co-products, ...) are shared."""
    groups = coupled_groups(data)
    group_of = {m: i for i, g in enumerate(groups) for m in g}
    mats = set(data.materials)
    split: list = [{} for _ in groups]
    whole = {}
    for sheet, rows in data.tables.items():
        keys = list(rows)
        first = [k[0] if isinstance(k, tuple) else k for k in keys]
        if keys and all(f in mats for f in first):
            for part in split:
                part[sheet] = {}
            for k, f in zip(keys, first):
                split[group_of[f]][sheet][k] = rows[k]
        else:
            whole[sheet] = rows
    out = {}
    for g, part in zip(groups, split):
        new = materials_subset(data, g)
        new.tables = {**whole, **part}
        out[tuple(g)] = new
    return out


def propagate_host_disruptions(data: ModelData) -> ModelData:
    """A disruption of a host reaches its by-products (sheet byproducts): an event that removes a
    share of host h's supply from country c at the host stage that carries by-product b removes
    the same share of b's supply from c, at both stages, in the same scenario and year (the larger
    share where b is disrupted itself too; b keeps its own price multiplier). ``data`` unchanged
    when no disruption touches a host."""
    hosts = {}
    for (b, h), rec in data.table("byproducts").items():
        if b in data.materials:
            hosts.setdefault((h, rec["host_stage"]), []).append(b)
    if not hosts or not any(key[0] == h and key[2] == k for ev in data.disruption.values()
                            for key in ev for (h, k) in hosts):
        return data
    new = data.derived()
    for w, events in new.disruption.items():
        for (m, c, k, t), (share, _) in list(events.items()):
            for b in hosts.get((m, k), ()):
                for stage in ("processing", "extraction"):
                    old_share, mult = events.get((b, c, stage, t), (0.0, 1.0))
                    events[(b, c, stage, t)] = (max(old_share, share), mult)
    return new
