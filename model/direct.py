"""The direct backend: HiGHS' arrays built straight from ModelData, and result tables from its columns.

The Pyomo blocks in ``model/blocks/`` are the reference formulation (docs/formulation.md, name
for name). Creating a Pyomo expression for every term costs about 10 us per nonzero, twice the
time HiGHS needs for a large case; this module writes the *same* linear programme row by row into
plain lists of column indices and coefficients (about 1 us per nonzero; rows that repeat over
scenarios as numpy arrays) and passes them to ``highspy.Highs.passModel`` in one call. Result tables are computed with numpy from HiGHS' column
values and duals.

Same model, checked: ``tests/test_direct.py`` compares, row by row and column by column, the
matrix, bounds, costs and integrality of both backends on every example workbook, the EU cases and
generated instances with every feature on (disruptions, CVaR, modules, contracts, tiers, soft
benchmarks, upstream origins), and every result table. Each section below names the block it
mirrors; a change to a block must be made here too, and that test fails until it is.

What stays on the Pyomo backend: infeasibility reports (an infeasible run is rebuilt in Pyomo and
explained from the IIS by ``model/explain.py``), warm sweeps (``model/warm.py``), VSS/EVPI
(``model/stochastic.py``) and the mpi-sppy adapter, which all need the Pyomo model.
"""
from __future__ import annotations

import gc
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from model import registry as R
from model.blocks import benchmarks as BM
from model.blocks import purchasing as PU
from model.blocks.capacity import build_years, crf
from model.blocks.sourcing import upstream_shares
from model.blocks.stockpile import coverage_years, lost_supply_parts
from model.build import Builder, discount_factor
from model.data import NOMINAL, ModelData
from model.errors import ModelError
from model.solve import HighsModel, TerminationCondition, finish, highs_options

INF = float("inf")
FIXED = -1  # the column of a variable fixed at zero (eu_mining without EU processing): no column


class Lin:
    """A linear expression: parallel lists of columns and coefficients, and a constant."""

    __slots__ = ("cols", "coefs", "const")

    def __init__(self, cols=None, coefs=None, const=0.0):
        self.cols = cols if cols is not None else []
        self.coefs = coefs if coefs is not None else []
        self.const = const

    def add(self, other: "Lin", factor: float = 1.0) -> "Lin":
        self.cols.extend(other.cols)
        if factor == 1.0:
            self.coefs.extend(other.coefs)
        else:
            self.coefs.extend([factor * a for a in other.coefs])
        self.const += factor * other.const
        return self

    def term(self, col: int, coef: float) -> "Lin":
        self.cols.append(col)
        self.coefs.append(coef)
        return self

    def scaled(self, factor: float) -> "Lin":
        return Lin(list(self.cols), [factor * a for a in self.coefs], factor * self.const)

    @property
    def empty(self) -> bool:
        return not self.cols


def col_term(j: int, coef: float = 1.0) -> Lin:
    return Lin([j], [coef])


def row_le(lhs: Lin, rhs):
    """(body, lower, upper) of ``lhs <= rhs`` as Pyomo orients it: rhs a number -> body lhs; else
    body lhs - rhs <= 0."""
    if isinstance(rhs, Lin):
        if rhs.empty:
            return lhs, -INF, rhs.const
        return Lin(list(lhs.cols), list(lhs.coefs), lhs.const).add(rhs, -1.0), -INF, 0.0
    return lhs, -INF, rhs


def row_ge(lhs: Lin, rhs):
    """(body, lower, upper) of ``lhs >= rhs``: Pyomo writes it as ``rhs <= lhs``; rhs a number ->
    body lhs, lower bound."""
    if isinstance(rhs, Lin):
        if rhs.empty:
            return lhs, rhs.const, INF
        if lhs.empty:
            return rhs, -INF, lhs.const
        return Lin(list(rhs.cols), list(rhs.coefs), rhs.const).add(lhs, -1.0), -INF, 0.0
    return lhs, rhs, INF


@dataclass
class DirectLP:
    """The LP of one ModelData as arrays, with the names of its rows and columns.

    Columns: ``cols[component][key] -> j``; rows: ``row_names[i] = (component, key)``. Rows keep the
    orientation the Pyomo backend gives them (the side with the variables is the body; with
    variables on both sides, left minus right), so that duals have the same signs.
    """

    data: ModelData
    col_names: list = field(default_factory=list)
    col_lower: list = field(default_factory=list)
    col_upper: list = field(default_factory=list)
    col_integer: list = field(default_factory=list)
    cols: dict = field(default_factory=dict)
    row_names: list = field(default_factory=list)
    row_lower: list = field(default_factory=list)
    row_upper: list = field(default_factory=list)
    # the matrix, row-wise: finished blocks ``a_parts`` [(row lengths, columns, coefficients)] (numpy
    # arrays for repeated rows, which stay arrays), then the rows added one by one since the last
    # block (``a_len``, ``a_index``, ``a_value``); ``matrix()`` joins them
    a_parts: list = field(default_factory=list)
    a_len: list = field(default_factory=list)
    a_index: list = field(default_factory=list)
    a_value: list = field(default_factory=list)
    # cost terms: (component, material, year, scenario or None) -> Lin (as model/build.py's cost_terms)
    cost_terms: dict = field(default_factory=dict)
    # the benchmark rows, in parts (see ``benchmark_rows``): a list of row tuples, or (component,
    # [(index, (info, country, scenario), row)]) as the 65 % rows' collector returns them
    benchmark_parts: list = field(default_factory=list)
    cvar: bool = False

    # ---- columns and rows ------------------------------------------------------------------------
    def add_cols(self, component: str, keys, lower=0.0, upper=INF, integer=False) -> dict:
        """Columns of one variable; ``lower``/``upper`` a number or a function of the key."""
        index = self.cols.setdefault(component, {})
        keys = list(keys)
        n = len(self.col_names)
        index.update(zip(keys, range(n, n + len(keys))))
        self.col_names.extend([(component, key) for key in keys])
        self.col_lower.extend([lower(key) for key in keys] if callable(lower) else [lower] * len(keys))
        self.col_upper.extend([upper(key) for key in keys] if callable(upper) else [upper] * len(keys))
        self.col_integer.extend([1 if integer else 0] * len(keys))
        return index

    def add_row(self, component: str, key, body: Lin, lower: float, upper: float) -> int:
        """One row ``lower <= body <= upper``; the body's constant moves to the bounds."""
        i = len(self.row_names)
        self.row_names.append((component, key))
        k = body.const
        self.row_lower.append(lower - k)
        self.row_upper.append(upper - k)
        self.a_index.extend(body.cols)
        self.a_value.extend(body.coefs)
        self.a_len.append(len(body.cols))
        return i

    def le(self, component, key, lhs: Lin, rhs) -> int:
        """``lhs <= rhs`` as a row (``row_le``)."""
        return self.add_row(component, key, *row_le(lhs, rhs))

    def ge(self, component, key, lhs: Lin, rhs) -> int:
        """``lhs >= rhs`` as a row (``row_ge``)."""
        return self.add_row(component, key, *row_ge(lhs, rhs))

    def add_cost(self, component: str, material: str, year: int, scenario, expr: Lin) -> None:
        key = (component, material, year, scenario)
        acc = self.cost_terms.get(key)
        if acc is None:
            self.cost_terms[key] = Lin(list(expr.cols), list(expr.coefs), expr.const)
        else:
            acc.add(expr)

    def add_cost_term(self, component: str, material: str, year: int, scenario, col: int, coef: float) -> None:
        """One term ``coef x column`` of a cost (the fast path of add_cost)."""
        key = (component, material, year, scenario)
        acc = self.cost_terms.get(key)
        if acc is None:
            self.cost_terms[key] = Lin([col], [coef])
        else:
            acc.cols.append(col)
            acc.coefs.append(coef)

    def add_rows(self, component: str, keys: list, cols: list, coefs: list, lower, upper) -> int:
        """Many rows of one component at once (lists of keys, column lists, coefficient lists;
        bounds as lists or numbers); returns the index of the first."""
        i = len(self.row_names)
        n = len(keys)
        self.row_names.extend([(component, key) for key in keys])
        self.row_lower.extend(lower if isinstance(lower, list) else [lower] * n)
        self.row_upper.extend(upper if isinstance(upper, list) else [upper] * n)
        ext_i, ext_v = self.a_index.extend, self.a_value.extend
        for c in cols:
            ext_i(c)
        for v in coefs:
            ext_v(v)
        self.a_len.extend(map(len, cols))
        return i

    def add_rows_repeated(self, component: str, keys: list, cols: list, coefs: list, n: int, lower,
                          upper, shift: list | None = None) -> int:
        """Rows of scenario-indexed columns, one per (template row, scenario), scenario fastest:
        template row r (``cols[r]``, ``coefs[r]``, the first scenario's columns) in the scenario at
        position s has columns ``cols[r] + s`` (the columns of a scenario-indexed variable are
        consecutive by scenario, ``add_cols`` with the scenario last in the key) and the same
        coefficients. ``keys`` and bounds are per row (or one number). ``shift`` (like ``cols``, 0 or
        1): which columns move with the scenario (default: all; 0 for a first-stage column).
        Returns the index of the first row."""
        i = len(self.row_names)
        m = len(keys)
        lengths = np.fromiter(map(len, cols), dtype=np.int64, count=len(cols))
        total = int(lengths.sum())
        t_cols = np.fromiter(chain.from_iterable(cols), dtype=np.int64, count=total)
        t_coefs = np.fromiter(chain.from_iterable(coefs), dtype=float, count=total)
        row_len = np.repeat(lengths, n)  # the rows, template-major
        row_end = np.cumsum(row_len)
        # for each entry: its template entry, and the scenario position of its row
        first_in_template = np.repeat(np.cumsum(lengths) - lengths, n)
        pos = np.arange(int(row_end[-1]) if m else 0) - np.repeat(row_end - row_len - first_in_template, row_len)
        step = np.repeat(np.tile(np.arange(n, dtype=np.int64), len(cols)), row_len)
        col = t_cols[pos]
        if shift is not None:
            step = step * np.fromiter(chain.from_iterable(shift), dtype=np.int64, count=total)[pos]
        if self.a_len:  # the rows added one by one before these, as a block of their own
            self.a_parts.append((self.a_len, self.a_index, self.a_value))
            self.a_len, self.a_index, self.a_value = [], [], []
        self.a_parts.append((row_len, np.where(col >= 0, col + step, col), t_coefs[pos]))
        self.row_names.extend([(component, key) for key in keys])
        self.row_lower.extend(lower if isinstance(lower, list) else [lower] * m)
        self.row_upper.extend(upper if isinstance(upper, list) else [upper] * m)
        return i

    def matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The row-wise matrix as arrays: (row starts, with the end; columns; coefficients)."""
        parts = self.a_parts + [(self.a_len, self.a_index, self.a_value)]
        lengths = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in parts])
        index = np.concatenate([np.asarray(p[1], dtype=np.int64) for p in parts])
        value = np.concatenate([np.asarray(p[2], dtype=float) for p in parts])
        start = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=start[1:])
        return start, index, value

    @property
    def benchmark_rows(self) -> list:
        """One tuple (component, index, info, basis, country, scenario, row) per benchmark row, in
        the block's order (made when first asked for: by the result tables, beside HiGHS)."""
        rows = getattr(self, "_benchmark_rows", None)
        if rows is None:
            rows = []
            for part in self.benchmark_parts:
                if isinstance(part, list):
                    rows.extend(part)
                else:
                    name, added = part
                    rows.extend([(name, i, info, "flow", c, w, r) for i, (info, c, w), r in added])
            self._benchmark_rows = rows
        return rows

    def __post_init__(self):
        self.W = self.data.scenarios  # scenarios, as in model/build.py's Builder
        self.position = {w: s for s, w in enumerate(self.W)}  # a scenario's place in W
        self.T = self.data.years
        self._discount = {}

    def discount(self, t: int) -> float:
        d = self._discount.get(t)
        if d is None:
            d = self._discount[t] = discount_factor(self.data, t)
        return d

    weight = Builder.weight  # discount factor x scenario probability, as the Pyomo backend weighs


# ==== the blocks, mirrored =========================================================================
def build_direct(data: ModelData) -> DirectLP:
    """The LP of ``data``: the model/build.py sequence of blocks, written as rows."""
    if data.settings.get("soft_benchmarks") == "yes":
        from model.explain import soften

        data = soften(data)
    lp = DirectLP(data)
    with no_cyclic_gc():
        _capacity(lp)
        _sourcing(lp)
        _eu_supply(lp)
        _stockpile(lp)
        _balance(lp)
        _benchmarks(lp)
        _objective(lp)
    return lp


@contextmanager
def no_cyclic_gc():
    """Python's cyclic garbage collector paused for a block.

    The build allocates millions of small lists and tuples and frees none of them: the collector
    would rescan them again and again while they live (on a 1.3M-nonzero case that doubles the
    build time and the extraction of results). Nothing here creates reference cycles; memory is
    still freed by reference counting, and the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _capacity(lp: DirectLP) -> None:
    """model/blocks/capacity.py: cap_new, cap_avail, build_limit, max_capacity, capex, fixed O&M."""
    data = lp.data
    tech = data.table("technology")
    existing = data.table("capacity_existing")
    lp.capacity_keys = {(mm, k) for (mm, k) in tech} | {(mm, k) for (mm, k, _) in existing}
    new_idx = [(mm, k, t) for (mm, k), rec in tech.items() if mm in data.materials
               for t in build_years(data, rec)]
    lp.CAP_NEW = new_idx
    modular = [i for i in new_idx if tech[i[:2]]["module_size"] > 0]
    continuous = [i for i in new_idx if tech[i[:2]]["module_size"] <= 0]
    n_mod = lp.add_cols("n_modules", modular, integer=True)
    cont = lp.add_cols("cap_new_cont", continuous)
    lp.MODULAR = set(modular)
    cap_new = {}
    for i in new_idx:
        size = tech[i[:2]]["module_size"]
        cap_new[i] = col_term(n_mod[i], size) if size > 0 else col_term(cont[i])
    lp.cap_new = cap_new
    by_tech = {}
    for (mm, k, t) in new_idx:
        by_tech.setdefault((mm, k), []).append(t)
    cache = {}

    def cap_avail(mm, k, t) -> Lin:
        key = (mm, k, t)
        e = cache.get(key)
        if e is None:
            e = Lin(const=existing.get((mm, k, t), {}).get("capacity", 0.0))
            rec = tech.get((mm, k))
            if rec is not None:
                life = rec["lifetime"]
                for tt in by_tech.get((mm, k), ()):
                    if tt <= t < tt + life:
                        e.add(cap_new[(mm, k, tt)])
            cache[key] = e
        return e

    lp.cap_avail = cap_avail
    for i in new_idx:
        mx = tech[i[:2]]["max_build_per_year"]
        if mx < R.UNLIMITED:
            lp.le("build_limit", i, cap_new[i], mx)
    for (mm, k), rec in tech.items():
        if rec["max_capacity"] < R.UNLIMITED and by_tech.get((mm, k)):
            for t in data.years:
                if t >= by_tech[(mm, k)][0]:
                    lp.le("max_capacity", (mm, k, t), cap_avail(mm, k, t), rec["max_capacity"])
    rate = data.settings["discount_rate"]
    for (mm, k), years in by_tech.items():
        rec = tech[(mm, k)]
        annuity = rec["capex"] * crf(rate, rec["lifetime"])
        for t in data.years:
            live = [tt for tt in years if tt <= t < tt + rec["lifetime"]]
            if live and annuity:
                e = Lin()
                for tt in live:
                    e.add(cap_new[(mm, k, tt)], annuity)
                lp.add_cost("capex", mm, t, None, e)
    for (mm, k) in lp.capacity_keys:
        rec = tech.get((mm, k))
        if rec is None or not rec["fixed_om"]:
            continue
        for t in data.years:
            avail = cap_avail(mm, k, t)
            if not avail.empty or avail.const:
                lp.add_cost("fixed_om", mm, t, None, avail.scaled(rec["fixed_om"]))


def _contracts(lp: DirectLP) -> None:
    """model/blocks/purchasing.py add_contracts: contract_volume, contract_signed, deliveries."""
    data = lp.data
    contracts = PU.contracts_in_model(data)
    lp.contracts = contracts
    lp.contract_flows = {}
    vol = lp.add_cols("contract_volume", list(contracts))
    with_min = [k for k, rec in contracts.items() if rec["min_take"] > 0]
    signed = lp.add_cols("contract_signed", with_min, upper=1.0, integer=True)
    for k in with_min:
        lp.le("contract_min_take", k, col_term(signed[k], contracts[k]["min_take"]), col_term(vol[k]))
    for k in contracts:
        if k in signed:
            lp.le("contract_max_take", k, col_term(vol[k]), col_term(signed[k], contracts[k]["max_take"]))
        else:
            lp.le("contract_max_take", k, col_term(vol[k]), contracts[k]["max_take"] * 1.0)
    lp.contract_take = {}
    for k, rec in contracts.items():
        mm, c, st = rec["material"], rec["country"], rec["stage"]
        for t in data.years:
            if not rec["start_year"] <= t < rec["start_year"] + rec["duration"]:
                continue
            for w in lp.W:
                lost, _ = data.disruption.get(w, {}).get((mm, c, st, t), (0.0, 1.0))
                pair = (vol[k], 1.0 - lost)  # delivered = (1 - lost share) x contract_volume
                lp.contract_take[(k, t, w)] = pair
                lp.contract_flows.setdefault((st, mm, c, t, w), []).append(pair)
                lp.add_cost_term("contract_purchases", mm, t, w, vol[k], rec["price"] * (1.0 - lost))
    # (material, year) with a contract delivery in some scenario: their rows differ by scenario
    lp.contracted = {(mm, t) for (_, mm, _, t, _) in lp.contract_flows}


def _sourcing(lp: DirectLP) -> None:
    """model/blocks/sourcing.py: imp_ref, imp_conc, supply_limit, purchases (and tiers)."""
    data = lp.data
    supply = data.table("supply")
    W = lp.W
    _contracts(lp)
    mats = set(data.materials)
    ref = [(mm, c, t) for (mm, c, k, t) in supply if k == "processing" and mm in mats]
    conc = [(mm, c, t) for (mm, c, k, t) in supply if k == "extraction" and mm in mats]
    imp_ref = lp.add_cols("imp_ref", [(mm, c, t, w) for (mm, c, t) in ref for w in W])
    imp_conc = lp.add_cols("imp_conc", [(mm, c, t, w) for (mm, c, t) in conc for w in W])
    lp.upstream = upstream_shares(data)
    # refined_by / ore_by[(m,t,w)][c] = [(column, coefficient)]: contract deliveries first, then spot
    lp.refined_by, lp.ore_by = {}, {}
    for (st, mm, c, t, w), terms in lp.contract_flows.items():
        target = lp.refined_by if st == "processing" else lp.ore_by
        target.setdefault((mm, t, w), {}).setdefault(c, []).extend(terms)
    tiered = PU.tiers_by_offer(data)
    volume = {}
    disruption = data.disruption
    none = {}
    flows = lp.contract_flows
    limits = _Rows()  # supply_limit rows, added after the tiers (the Pyomo model's component order)
    # the columns of one offer (m, c, stage, t) are consecutive, one per scenario (in W's order).
    # refined_by / ore_by hold the first scenario's flows alone where no contract makes the
    # scenarios differ (the others are that one shifted, see _by_country)
    events = [(w, disruption.get(w, none)) for w in W]
    disrupted = {key for _, ev in events for key in ev}
    contracted = {key[:4] for key in flows}
    every = lp.contracted  # (m, t) whose flows are written for every scenario
    costs = lp.cost_terms
    n = len(W)
    w0 = W[0]
    # (stage, m, t) -> (the purchases cost of each scenario, columns and prices of the usual offers
    # in the first scenario not yet added to them): added together, before anything else is
    usual = {}

    def flush(got):
        accs, js, prices = got
        for s, acc in enumerate(accs):
            acc.cols.extend([j + s for j in js] if s else js)
            acc.coefs.extend(prices)
        got[1], got[2] = [], []

    for stage, offers, cols, by in (("processing", ref, imp_ref, lp.refined_by),
                                    ("extraction", conc, imp_conc, lp.ore_by)):
        for (mm, c, t) in offers:
            rec = supply[(mm, c, stage, t)]
            price, cap = rec["price"], rec["available"]
            is_tiered = (mm, c, stage) in tiered
            j = cols[(mm, c, t, w0)]
            got = usual.get((stage, mm, t))
            if not is_tiered and (mm, c, stage, t) not in disrupted and (stage, mm, c, t) not in contracted:
                # the usual offer: the same in every scenario, in that scenario's column
                if got is None:
                    got = usual[(stage, mm, t)] = [[costs.setdefault(("purchases", mm, t, w), Lin()) for w in W],
                                                   [], []]
                got[1].append(j)
                got[2].append(price)
                for s, w in (enumerate(W) if (mm, t) in every else ((0, w0),)):
                    by_c = by.get((mm, t, w))
                    if by_c is None:
                        by_c = by[(mm, t, w)] = {}
                    terms = by_c.get(c)
                    if terms is None:
                        by_c[c] = [(j + s, 1.0)]
                    else:
                        terms.append((j + s, 1.0))
                if cap < R.UNLIMITED:
                    limits.repeat([(mm, c, stage, t, w) for w in W], [[j]], [[1.0]], -INF, cap, n)
                continue
            if got is not None and got[1]:
                flush(got)  # the usual offers before this one come first in the purchases cost
            one = (mm, t) not in every
            for w, ev in events:
                lost, mult = ev.get((mm, c, stage, t), (0.0, 1.0)) if ev else (0.0, 1.0)
                if w == w0 or not one:
                    by_c = by.get((mm, t, w))
                    if by_c is None:
                        by_c = by[(mm, t, w)] = {}
                    terms = by_c.get(c)
                    if terms is None:
                        by_c[c] = [(j, 1.0)]
                    else:
                        terms.append((j, 1.0))
                if is_tiered:
                    volume[(mm, c, stage, t, w)] = j
                else:
                    acc = costs.get(("purchases", mm, t, w))
                    if acc is None:
                        costs[("purchases", mm, t, w)] = Lin([j], [price * mult])
                    else:
                        acc.cols.append(j)
                        acc.coefs.append(price * mult)
                if cap < R.UNLIMITED or lost >= 1:
                    bound = 0.0 if lost >= 1 else cap * (1.0 - lost)
                    contract = flows.get((stage, mm, c, t, w))
                    limits.keys.append((mm, c, stage, t, w))
                    limits.lower.append(-INF)
                    limits.upper.append(bound)
                    if contract:
                        limits.cols.append([j] + [x for x, _ in contract])
                        limits.coefs.append([1.0] + [a for _, a in contract])
                    else:
                        limits.cols.append([j])
                        limits.coefs.append([1.0])
                j += 1
        for got in usual.values():
            if got[1]:
                flush(got)
    _tiers(lp, volume)
    limits.add_to(lp, "supply_limit")


def _by_country(lp: DirectLP, by: dict, mm: str, t: int, w) -> dict:
    """``by[(m, t, w)]`` (``lp.refined_by`` or ``lp.ore_by``): {country: [(column, coefficient)]}.

    Where no contract makes the scenarios differ at (m, t), only the first scenario's is written
    by _sourcing: another scenario's flows are the same offers in its own columns, the first
    scenario's shifted by the scenario's position (made here when first asked for, and kept)."""
    got = by.get((mm, t, w))
    if got is not None:
        return got
    W = lp.W
    if w == W[0] or (mm, t) in lp.contracted:
        return {}
    first = by.get((mm, t, W[0]))
    if first is None:
        return {}
    s = lp.position[w]
    got = by[(mm, t, w)] = {c: [(j + s, a) for j, a in terms] for c, terms in first.items()}
    return got


def _tiers(lp: DirectLP, volume: dict) -> None:
    """model/blocks/purchasing.py add_tiers: all-units volume discounts."""
    data = lp.data
    tiers = PU.tiers_by_offer(data)
    supply = data.table("supply")
    idx, info = [], {}
    for (mm, c, k, t, w) in volume:
        levels = tiers.get((mm, c, k))
        if not levels:
            continue
        cap = supply[(mm, c, k, t)]["available"]
        top = cap if cap < R.UNLIMITED else PU.big_m(data, mm)
        _, mult = data.disruption.get(w, {}).get((mm, c, k, t), (0.0, 1.0))
        for j, (lo, price) in enumerate(levels):
            hi = levels[j + 1][0] if j + 1 < len(levels) else max(top, lo)
            idx.append((mm, c, k, t, w, j + 1))
            info[(mm, c, k, t, w, j + 1)] = (lo, hi, price * mult)
    tv = lp.add_cols("tier_volume", idx)
    ta = lp.add_cols("tier_active", idx, upper=1.0, integer=True)
    for i in idx:
        lp.le("tier_lower", i, col_term(ta[i], info[i][0]), col_term(tv[i]))
    for i in idx:
        lp.le("tier_upper", i, col_term(tv[i]), col_term(ta[i], info[i][1]))
    by_offer = {}
    for i in idx:
        by_offer.setdefault(i[:5], []).append(i)
    offers = sorted(by_offer)
    for o in offers:
        lp.le("tier_choice", o, Lin([ta[i] for i in by_offer[o]], [1.0] * len(by_offer[o])), 1.0)
    for o in offers:
        body = Lin([tv[i] for i in by_offer[o]], [1.0] * len(by_offer[o]))
        lp.add_row("tier_total", o, body.add(col_term(volume[o]), -1.0), 0.0, 0.0)
    for i in idx:
        lp.add_cost("purchases", i[0], i[3], i[4], col_term(tv[i], info[i][2]))
    lp.tier_volume = tv


def _eu_supply(lp: DirectLP) -> None:
    """model/blocks/eu_supply.py: eu_mining, eu_processing, eu_recycling and their limits."""
    data = lp.data
    W, T = lp.W, lp.T
    tech = data.table("technology")
    keys = lp.capacity_keys
    mats = data.materials
    proc = [mm for mm in mats if (mm, "processing") in keys]
    proc_set = set(proc)
    mining = [(mm, t, w) for mm in mats if (mm, "extraction") in keys for t in T for w in W]
    recyc = [(mm, t, w) for mm in mats if (mm, "recycling") in keys for t in T for w in W]
    # mined ore with nowhere to be refined is fixed at zero (as in the block): no column
    eu_mining = lp.add_cols("eu_mining", [i for i in mining if i[0] in proc_set])
    lp.EU_MINING = mining
    lp.eu_mining = {i: eu_mining.get(i, FIXED) for i in mining}
    eu_recycling = lp.add_cols("eu_recycling", recyc)
    lp.EU_RECYCLING = recyc
    mined = lp.eu_mining

    def feed(mm, t, w) -> Lin | None:
        e = Lin()
        for terms in _by_country(lp, lp.ore_by, mm, t, w).values():
            for j, a in terms:
                e.term(j, a)
        j = mined.get((mm, t, w))
        if j is not None:
            e.term(j, 1.0)
        return e if e.cols else None

    lp.EU_PROCESSING = [(mm, t, w) for mm in proc for t in T for w in W]
    lp.eu_processing = processing = {}
    contracted = lp.contracted
    for mm in proc:
        y = data.material(mm)["processing_yield"]
        for t in T:
            if (mm, t) in contracted:
                for w in W:
                    f = feed(mm, t, w)
                    processing[(mm, t, w)] = (f.scaled(y), True) if f is not None else (Lin(), False)
                continue
            # without a contract, every scenario's feed is the first one's in its own columns
            # (imp_conc and eu_mining are consecutive by scenario)
            f = feed(mm, t, W[0])
            if f is None:
                for w in W:
                    processing[(mm, t, w)] = (Lin(), False)
                continue
            cols, coefs = f.cols, [y * a for a in f.coefs]
            for s, w in enumerate(W):
                processing[(mm, t, w)] = (Lin([j + s for j in cols], list(coefs), y * f.const), True)
    # capacity rows: flow - cap_avail <= existing capacity; the cap_avail terms of a (m, k, t),
    # negated, are shared by the rows of every scenario (first-stage columns). Where the flow is
    # the first scenario's in each scenario's columns (no contract at (m, t)), its rows repeat.
    neg_cap = {}
    n = len(W)

    def capacity_rows(name, stage, groups):
        rows = _Rows()
        for mm, t, flows, repeat in groups:  # flows: [(key, cols, coefs)] per scenario, or one to repeat
            ck = (mm, stage, t)
            got = neg_cap.get(ck)
            if got is None:
                cap = lp.cap_avail(*ck)
                got = neg_cap[ck] = (cap.cols, [-a for a in cap.coefs], cap.const)
            if repeat:
                _, fc, fa = flows[0]
                rows.repeat([(mm, t, w) for w in W], [fc + got[0]], [fa + got[1]], -INF, got[2], n,
                            shift=[[1] * len(fc) + [0] * len(got[0])])
                continue
            for key, fc, fa in flows:
                rows.keys.append(key)
                rows.cols.append(fc + got[0])
                rows.coefs.append(fa + got[1])
                rows.lower.append(-INF)
                rows.upper.append(got[2])
        rows.add_to(lp, name)

    def flows_of(mm, t, one, per_w):
        """[(key, cols, coefs)]: the first scenario's alone when the rows can repeat, else each."""
        if one:
            return [per_w(mm, t, W[0])]
        return [per_w(mm, t, w) for w in W]

    def mined_flow(mm, t, w):
        j = mined[(mm, t, w)]
        return ((mm, t, w), [], []) if j == FIXED else ((mm, t, w), [j], [1.0])

    def processed_flow(mm, t, w):
        e, has_feed = lp.eu_processing[(mm, t, w)]
        if not has_feed:
            return None
        e = _drop_fixed(e)
        return (mm, t, w), e.cols, e.coefs

    capacity_rows("mining_capacity", "extraction",
                  [(mm, t, flows_of(mm, t, True, mined_flow), True) for mm in mats if (mm, "extraction") in keys
                   for t in T])
    groups = []
    for mm in proc:
        for t in T:
            repeat = (mm, t) not in contracted
            got = [f for f in flows_of(mm, t, repeat, processed_flow) if f is not None]
            if got:
                groups.append((mm, t, got, repeat))
    capacity_rows("processing_capacity", "processing", groups)
    capacity_rows("recycling_capacity", "recycling",
                  [(mm, t, [((mm, t, W[0]), [eu_recycling[(mm, t, W[0])]], [1.0])], True)
                   for mm in mats if (mm, "recycling") in keys for t in T])
    demand = data.table("demand")

    def feedstock(mm, t):
        d = demand.get((mm, t))
        if not d:
            return 0.0
        return data.material(mm)["recycling_yield"] * d["collection_rate"] * d["eol_arising"]

    lp.add_rows("recycling_feedstock", recyc, [[eu_recycling[i]] for i in recyc], [[1.0]] * len(recyc), -INF,
                [feedstock(mm, t) for (mm, t, w) in recyc])
    lp.eu_recycling = eu_recycling
    costs = lp.cost_terms
    vom_of = {(mm, k): rec["variable_om"] for (mm, k), rec in tech.items() if rec["variable_om"]}
    for stage, idx in (("extraction", mining), ("processing", lp.EU_PROCESSING), ("recycling", recyc)):
        for (mm, t, w) in idx:
            vom = vom_of.get((mm, stage))
            if not vom:
                continue
            # variable_om x the stage's flow (the block's eu_mining, eu_processing or eu_recycling)
            if stage == "processing":
                e = _drop_fixed(processing[(mm, t, w)][0])
                cols, coefs, const = e.cols, [vom * a for a in e.coefs], vom * e.const
            else:
                j = mined[(mm, t, w)] if stage == "extraction" else eu_recycling[(mm, t, w)]
                cols, coefs, const = ([], [], vom * 0.0) if j == FIXED else ([j], [vom * 1.0], vom * 0.0)
            acc = costs.get(("variable_om", mm, t, w))
            if acc is None:
                costs[("variable_om", mm, t, w)] = Lin(list(cols), coefs, const)
            else:
                acc.cols.extend(cols)
                acc.coefs.extend(coefs)
                acc.const += const


def _drop_fixed(e: Lin) -> Lin:
    """The expression without the columns of variables fixed at zero (they are constants 0)."""
    if FIXED not in e.cols:
        return e
    keep = [(j, a) for j, a in zip(e.cols, e.coefs) if j != FIXED]
    return Lin([j for j, _ in keep], [a for _, a in keep], e.const)


def _stockpile(lp: DirectLP) -> None:
    """model/blocks/stockpile.py: target, inventory, releases, drawdown, disposal and their rows."""
    data = lp.data
    W, T = lp.W, lp.T
    stock = {mm: rec for mm, rec in data.table("stockpile").items() if mm in data.materials}
    lp.stock = stock
    mats = list(stock)

    def ub(key):
        mx = stock[key[0]]["max_stock"]
        return INF if mx >= R.UNLIMITED else mx

    lp.STOCK_T = [(mm, t) for mm in mats for t in T]
    lp.STOCK_TW = [(mm, t, w) for mm in mats for t in T for w in W]
    target = lp.add_cols("stock_target", lp.STOCK_T, upper=ub)
    inventory = lp.add_cols("inventory", lp.STOCK_TW, upper=ub)
    stock_in = lp.add_cols("stock_in", lp.STOCK_TW)
    last, first = T[-1], T[0]
    draw = lp.add_cols("stock_drawdown", [(mm, last, w) for mm in mats for w in W])
    disposal = lp.add_cols("stock_disposal", [(mm, t, w) for mm in mats for t in T[:-1] for w in W])
    lost = _lost_supply(lp, stock)
    out = lp.add_cols("stock_out", [i for i in lp.STOCK_TW if i in lost])
    for i, j in out.items():
        e = lost[i]
        lp.le("stock_release_cap", i, col_term(j), e if not e.empty else e.const)
    lp.stock_target, lp.inventory, lp.stock_in = target, inventory, stock_in
    lp.stock_drawdown, lp.stock_disposal, lp.stock_out = draw, disposal, out

    def leave(mm, t, w) -> Lin:
        """out + draw (release and liquidation/disposal)."""
        e = Lin()
        j = out.get((mm, t, w))
        if j is not None:
            e.term(j, 1.0)
        e.term(draw[(mm, t, w)] if t == last else disposal[(mm, t, w)], 1.0)
        return e

    # the four rows of every (m, t, w); where no scenario releases (no stock_out at (m, t)), every
    # column is scenario-indexed except stock_target: the first scenario's rows, repeated
    released = {(mm, t) for (mm, t, _) in out}
    balance, limit, floor, ceiling = _Rows(), _Rows(), _Rows(), _Rows()
    n = len(W)
    for mm in mats:
        init = stock[mm]["initial_stock"]
        for t in T:
            if (mm, t) in released:
                for w in W:
                    _stock_rows(lp, mm, t, w, leave, balance, limit, floor, ceiling)
                continue
            keys = [(mm, t, w) for w in W]
            w0 = W[0]
            inv, put = inventory[(mm, t, w0)], stock_in[(mm, t, w0)]
            go = draw[(mm, t, w0)] if t == last else disposal[(mm, t, w0)]
            if t == first:  # inventory - stock_in + leave == initial; leave <= initial
                balance.repeat(keys, [[inv, put, go]], [[1.0, -1.0, 1.0]], init, init, n)
                limit.repeat(keys, [[go]], [[1.0]], -INF, init, n)
            else:  # inventory - before - stock_in + leave == 0; leave - before <= 0
                before = inventory[(mm, t - 1, w0)]
                balance.repeat(keys, [[inv, before, put, go]], [[1.0, -1.0, -1.0, 1.0]], 0.0, 0.0, n)
                limit.repeat(keys, [[go, before]], [[1.0, -1.0]], -INF, 0.0, n)
            target_col = target[(mm, t)]  # first stage: the same column in every scenario
            floor.repeat(keys, [[target_col, inv]], [[1.0, -1.0]], -INF, 0.0, n, shift=[[0, 1]])
            ceiling.repeat(keys, [[inv, target_col]], [[1.0, -1.0]], -INF, 0.0, n, shift=[[1, 0]])
    for name, rows in (("stock_balance", balance), ("stock_release_limit", limit), ("stock_floor", floor),
                       ("stock_ceiling", ceiling)):
        rows.add_to(lp, name)
    nominal = NOMINAL if NOMINAL in W else W[0]
    for mm, rec in stock.items():
        for t in coverage_years(data, rec):
            basis = rec["coverage_basis"]
            f = rec["coverage_days"] / 365.0
            if basis == "consumption":
                rhs = f * data.demand(mm, t)
                if rhs == 0:
                    continue
                lp.ge("stock_coverage", (mm, t, nominal), col_term(target[(mm, t)]), rhs)
                continue
            y = data.material(mm)["processing_yield"]
            e = Lin()
            for by, factor in ((lp.refined_by, 1.0), (lp.ore_by, y)):
                for c, flows in _by_country(lp, by, mm, t, nominal).items():
                    if basis == "net_imports" or c == rec["coverage_country"]:
                        for j, a in flows:
                            e.term(j, f * factor * a)
            if e.empty:
                continue  # no imports to cover: the block skips the row
            lp.ge("stock_coverage", (mm, t, nominal), col_term(target[(mm, t)]), e)
    lp.released = released
    for (mm, t) in lp.STOCK_T:
        h = stock[mm]["holding_cost"]
        if h:
            lp.add_cost("holding", mm, t, None, col_term(target[(mm, t)], h))


def _stock_rows(lp, mm, t, w, leave, balance, limit, floor, ceiling) -> None:
    """The four stock rows of one (m, t, w), term by term as the block writes them."""
    stock, inventory, stock_in, target = lp.stock, lp.inventory, lp.stock_in, lp.stock_target
    first, last = lp.T[0], lp.T[-1]
    body = col_term(inventory[(mm, t, w)])
    # inventory == before + stock_in - out - draw; Pyomo's body: left minus right
    if t == first:
        before = Lin(const=stock[mm]["initial_stock"])
    else:
        before = col_term(inventory[(mm, t - 1, w)])
    rhs = Lin(list(before.cols), list(before.coefs), before.const).term(stock_in[(mm, t, w)], 1.0)
    rhs.add(leave(mm, t, w), -1.0)
    balance.add((mm, t, w), body.add(rhs, -1.0), 0.0, 0.0)
    limit.add((mm, t, w), *row_le(leave(mm, t, w), before if not before.empty else before.const))
    lhs = col_term(inventory[(mm, t, w)])
    j = lp.stock_out.get((mm, t, w))
    if t < last and j is not None:
        lhs.term(j, 1.0)
    floor.add((mm, t, w), *row_ge(lhs, col_term(target[(mm, t)])))
    ceiling.add((mm, t, w), *row_le(col_term(inventory[(mm, t, w)]), col_term(target[(mm, t)])))


def _lost_supply(lp: DirectLP, stock: dict) -> dict:
    """model/blocks/stockpile.py lost_supply: (m,t,w) -> Lin of the supply scenario w removes."""
    vol = lp.cols["contract_volume"]
    parts = lost_supply_parts(lp.data, stock, list(vol), lp.contract_take)
    return {key: Lin([vol[kid] for kid, _ in terms], [f for _, f in terms], const)
            for key, (const, terms) in parts.items()}


def _balance(lp: DirectLP) -> None:
    """model/blocks/balance.py: supply + unmet - uses == demand, and the cost of unmet demand.

    Where no contract and no stock release makes a scenario's supply differ (every supply column
    is then scenario-indexed), the first scenario's row is written once and repeated."""
    data = lp.data
    W = lp.W
    idx = [(mm, t, w) for mm in data.materials for t in lp.T for w in W]
    lp.BALANCE = idx
    unmet = lp.add_cols("unmet", idx)
    lp.unmet = unmet
    lp.balance_row = {i: r for r, i in enumerate(idx, len(lp.row_names))}
    differs = lp.contracted | lp.released
    rows = _Rows()
    n = len(W)
    for mm in data.materials:
        for t in lp.T:
            d = data.demand(mm, t)
            if (mm, t) in differs:
                for w in W:
                    rows.add((mm, t, w), _balance_body(lp, mm, t, w), d, d)
                continue
            body = _balance_body(lp, mm, t, W[0])
            rows.repeat([(mm, t, w) for w in W], [body.cols], [body.coefs], d - body.const, d - body.const, n)
    rows.add_to(lp, "balance")
    for i in idx:
        lp.add_cost_term("unmet_demand", i[0], i[1], i[2], unmet[i], data.material(i[0])["voll"])


def _balance_body(lp: DirectLP, mm: str, t: int, w) -> Lin:
    """supply + unmet - uses of one (m, t, w), term by term in the blocks' order: imports
    (contract deliveries, then spot), EU processing and recycling, stock releases and drawdown."""
    body = Lin()
    for terms in _by_country(lp, lp.refined_by, mm, t, w).values():
        for j, a in terms:
            body.term(j, a)
    e = lp.eu_processing.get((mm, t, w))
    if e is not None:
        body.add(_drop_fixed(e[0]))
    j = lp.eu_recycling.get((mm, t, w))
    if j is not None:
        body.term(j, 1.0)
    if mm in lp.stock:
        j = lp.stock_out.get((mm, t, w))
        if j is not None:
            body.term(j, 1.0)
        if t == lp.T[-1]:
            body.term(lp.stock_drawdown[(mm, t, w)], 1.0)
    body.term(lp.unmet[(mm, t, w)], 1.0)
    if mm in lp.stock:
        body.term(lp.stock_in[(mm, t, w)], -1.0)
    return body


def _country_supply_by_origin(lp: DirectLP, mm: str, t: int, w) -> tuple[dict, dict]:
    """model/blocks/benchmarks.py country_supply, for every country at once: stage -> {c: Lin}."""
    proc, ext = {}, {}
    upstream = lp.upstream
    for c, flows in _by_country(lp, lp.refined_by, mm, t, w).items():
        proc[c] = ([j for j, _ in flows], [a for _, a in flows])
        for o, share in upstream.get((mm, c), {c: 1.0}).items():
            if share:
                acc = ext.get(o)
                if acc is None:
                    acc = ext[o] = ([], [])
                acc[0].extend([j for j, _ in flows])
                acc[1].extend([share * a for _, a in flows])
    y = lp.data.material(mm)["processing_yield"]
    for c, flows in _by_country(lp, lp.ore_by, mm, t, w).items():
        acc = ext.get(c)
        if acc is None:
            acc = ext[c] = ([], [])
        acc[0].extend([j for j, _ in flows])
        acc[1].extend([y * a for _, a in flows])
    return proc, ext


def _by_origin(lp: DirectLP, mm: str, t: int, w) -> tuple[dict, dict]:
    """_country_supply_by_origin, computed once per (material, year, scenario)."""
    got = lp.supply_cache.get((mm, t, w))
    if got is None:
        got = lp.supply_cache[(mm, t, w)] = _country_supply_by_origin(lp, mm, t, w)
    return got


def _third_countries(lp: DirectLP) -> dict:
    """model/blocks/benchmarks.py third_countries: (stage, material) -> sorted third countries."""
    refiners, miners = {}, {}
    for (m2, t, w), by_c in lp.refined_by.items():
        refiners.setdefault(m2, set()).update(by_c)
    for (m2, t, w), by_c in lp.ore_by.items():
        miners.setdefault(m2, set()).update(by_c)
    groups = BM.aggregates(lp.data)
    found = {}
    for m2 in set(refiners) | set(miners):
        ref = refiners.get(m2, set())
        ext = set(miners.get(m2, set()))
        for r in ref:
            ext |= set(lp.upstream.get((m2, r), {r: 1.0}))
        found[("processing", m2)] = sorted(c for c in ref if c != R.DOMESTIC and c not in groups)
        found[("extraction", m2)] = sorted(c for c in ext if c != R.DOMESTIC and c not in groups)
    return found


def _eu_capacity(lp, bench, mm, t) -> Lin:
    cap = lp.cap_avail(mm, bench, t)
    if bench == "extraction":
        return cap.scaled(lp.data.material(mm)["processing_yield"])
    return cap


def eu_flow(lp, bench, mm, t, w) -> Lin | None:
    """EU output at a stage (refined equivalent); None where the block's eu_flow is the number 0."""
    if bench == "extraction":
        j = lp.eu_mining.get((mm, t, w))
        if j is None:
            return None
        return _drop_fixed(col_term(j, lp.data.material(mm)["processing_yield"]))
    if bench == "processing":
        e = lp.eu_processing.get((mm, t, w))
        return None if e is None else _drop_fixed(e[0])
    j = lp.eu_recycling.get((mm, t, w))
    return None if j is None else col_term(j)


class _Rows:
    """Rows of one component collected in order (added to the LP together by ``add_to``), with
    what results need of each (``meta``): row by row into the open lists (``add``, or appending
    to them directly), or one scenario's rows repeated over every scenario (``repeat``)."""

    def __init__(self):
        self.segments = []
        self._open()

    def _open(self):
        self.keys, self.cols, self.coefs, self.lower, self.upper, self.meta = [], [], [], [], [], []
        self.segments.append((None, self.keys, self.cols, self.coefs, self.lower, self.upper, self.meta, None))

    def add(self, key, body: Lin, lower: float, upper: float) -> None:
        """One row ``lower <= body <= upper`` (the body's constant moves to the bounds)."""
        k = body.const
        self.keys.append(key)
        self.cols.append(body.cols)
        self.coefs.append(body.coefs)
        self.lower.append(lower - k)
        self.upper.append(upper - k)

    def repeat(self, keys, cols, coefs, lower, upper, n_scenarios, meta=(), shift=None):
        """Rows ``template x scenario``, scenario fastest (``DirectLP.add_rows_repeated``);
        ``keys`` (and ``meta``) per row, bounds per row or one number; ``shift`` per template
        entry (default 1: a scenario-indexed column). Consecutive repeats are merged into one."""
        m = len(keys)
        lower = lower if isinstance(lower, list) else [lower] * m
        upper = upper if isinstance(upper, list) else [upper] * m
        shift = shift if shift is not None else [[1] * len(c) for c in cols]
        meta = list(meta)
        if not self.keys and len(self.segments) > 1 and self.segments[-2][0] == n_scenarios:
            for part, more in zip(self.segments[-2][1:], (keys, cols, coefs, lower, upper, meta, shift)):
                part.extend(more)
            return
        segment = (n_scenarios, list(keys), list(cols), list(coefs), lower, upper, meta, shift)
        if self.keys:  # after the rows added one by one so far
            self.segments.append(segment)
            self._open()
        else:  # before the (empty) open lists
            self.segments.insert(len(self.segments) - 1, segment)

    def add_to(self, lp, name) -> list:
        """Add the rows to ``lp``; returns [(key, meta, row index)] of the rows with meta."""
        out = []
        for n_scenarios, keys, cols, coefs, lower, upper, meta, shift in self.segments:
            if not keys:
                continue
            if n_scenarios:
                first = lp.add_rows_repeated(name, keys, cols, coefs, n_scenarios, lower, upper, shift)
            else:
                first = lp.add_rows(name, keys, cols, coefs, lower, upper)
            out.extend(zip(keys, meta, range(first, first + len(keys))))
        return out


def _benchmarks(lp: DirectLP) -> None:
    """model/blocks/benchmarks.py add_benchmarks: the CRMA share benchmarks and the 65 % cap.

    ``lp.benchmark_rows``: one tuple (component, index, info, basis, country, scenario, row) per
    row, in the block's order; ``info`` is shared by the rows of one (benchmark, material, stage,
    year); ``row`` is the row's index in the LP.
    """
    data = lp.data
    effective = BM.resolve(data)
    lp.third = _third_countries(lp)
    lp.supply_cache = {}
    # component name -> [(index, cols, coefs, constant, sense, rhs, info, basis, country, scenario,
    # number)]; number: the block's lhs is a plain number there (no variable can enter the row)
    groups: dict[str, list] = {}
    W = lp.W
    # hard single-country rows (the usual case) go straight into row lists, without the generic
    # pass for soft rows; a row with no possible supply is 0 <= rhs, always met, and left out
    all_hard = all(rec["enforcement"] == "hard" for (bench, _, _), rec in effective.items()
                   if bench == "single_country")
    contracted = lp.contracted
    fast = _Rows()
    for (bench, mm, k), rec in effective.items():
        demand = {t: data.demand(mm, t) for t in lp.T}
        for t in lp.T:
            lv = BM.level(rec, t)
            if lv is None or demand[t] <= 0:
                continue
            rhs = lv * demand[t]
            info = dict(benchmark=bench, material=mm, stage=k, year=t, level=lv, demand=demand[t],
                        enforcement=rec["enforcement"], penalty=rec["penalty"])
            if bench in BM.SHARE_BENCHMARKS:
                basis = BM.basis_of(data, rec, mm)
                if basis == "capacity":
                    cap = _eu_capacity(lp, bench, mm, t)
                    groups.setdefault(f"benchmark_{bench}_capacity", []).append(
                        ((mm, t), cap.cols, cap.coefs, cap.const, ">=", rhs, info, "capacity", "", "", cap.empty))
                else:
                    rows = groups.setdefault(f"benchmark_{bench}_flow", [])
                    for w in W:
                        flow = eu_flow(lp, bench, mm, t, w)
                        if flow is None:
                            rows.append(((mm, t, w), [], [], 0.0, ">=", rhs, info, "flow", "", w, True))
                        else:
                            rows.append(((mm, t, w), flow.cols, flow.coefs, flow.const, ">=", rhs, info, "flow",
                                         "", w, False))
            else:
                stage_pos = 0 if k == "processing" else 1
                countries = lp.third.get((k, mm), [])
                if all_hard:  # fast path: every row is kept as it is, or left out (no supply)
                    groups.setdefault("benchmark_single_country", fast)
                    if (mm, t) not in contracted:
                        # without contracts, every scenario's flows are the first scenario's, in
                        # that scenario's columns: imp_ref and imp_conc are consecutive by scenario
                        by_c = _by_origin(lp, mm, t, W[0])[stage_pos]
                        have = [c for c in countries if (e := by_c.get(c)) is not None and e[0]]
                        fast.repeat([(mm, k, c, t, w) for c in have for w in W], [by_c[c][0] for c in have],
                                    [by_c[c][1] for c in have], -INF, rhs, len(W),
                                    [(info, c, w) for c in have for w in W])
                        continue
                    for c in countries:
                        for w in W:
                            e = _by_origin(lp, mm, t, w)[stage_pos].get(c)
                            if e is not None and e[0]:
                                fast.keys.append((mm, k, c, t, w))
                                fast.cols.append(e[0])
                                fast.coefs.append(e[1])
                                fast.lower.append(-INF)
                                fast.upper.append(rhs)
                                fast.meta.append((info, c, w))
                    continue
                rows = groups.setdefault("benchmark_single_country", [])
                for c in countries:
                    for w in W:
                        e = _by_origin(lp, mm, t, w)[stage_pos].get(c)
                        if e is None:
                            rows.append(((mm, k, c, t, w), [], [], 0.0, "<=", rhs, info, "flow", c, w, True))
                        else:
                            rows.append(((mm, k, c, t, w), e[0], e[1], 0.0, "<=", rhs, info, "flow", c, w,
                                         not e[0]))
    lp.shortfall_col = {}  # (component, index) -> column of the row's shortfall (soft rows)
    for name, rows in groups.items():
        if rows is fast:
            lp.benchmark_parts.append((name, fast.add_to(lp, name)))
            continue
        out = []
        lp.benchmark_parts.append(out)
        soft = [r[0] for r in rows if r[6]["enforcement"] == "soft"]
        short = lp.add_cols(f"shortfall_{name[len('benchmark_'):]}", soft) if soft else {}
        keys, all_cols, all_coefs, lower, upper = [], [], [], [], []
        first = len(lp.row_names)
        for (i, cols, coefs, const, sense, rhs, info, basis, country, scenario, number) in rows:
            j = short.get(i)
            if number and j is None:
                ok = const >= rhs if sense == ">=" else const <= rhs
                if not ok:
                    raise ModelError(BM._impossible(dict(info, basis=basis), rhs, data))
                continue
            if j is not None:
                lp.shortfall_col[(name, i)] = j
                cols = list(cols) + [j]
                coefs = list(coefs) + [1.0 if sense == ">=" else -1.0]
                lp.add_cost_term("benchmark_penalty", info["material"], info["year"], scenario or None, j,
                                 info["penalty"])
            out.append((name, i, info, basis, country, scenario, first + len(keys)))
            keys.append(i)
            all_cols.append(cols)
            all_coefs.append(coefs)
            lower.append(rhs - const if sense == ">=" else -INF)
            upper.append(INF if sense == ">=" else rhs - const)
        lp.add_rows(name, keys, all_cols, all_coefs, lower, upper)


def cost_arrays(lp: DirectLP):
    """All cost terms flattened: (keys, owner of each term, columns, coefficients, constant per key)."""
    keys = list(lp.cost_terms)
    lin = list(lp.cost_terms.values())
    lengths = np.fromiter((len(e.cols) for e in lin), dtype=np.int64, count=len(lin))
    total = int(lengths.sum())
    cols = np.fromiter(chain.from_iterable(e.cols for e in lin), dtype=np.int64, count=total)
    coefs = np.fromiter(chain.from_iterable(e.coefs for e in lin), dtype=float, count=total)
    const = np.fromiter((e.const for e in lin), dtype=float, count=len(lin))
    owner = np.repeat(np.arange(len(lin), dtype=np.int64), lengths)
    return keys, owner, cols, coefs, const


def _objective(lp: DirectLP) -> None:
    """model/blocks/objective.py: expected present value, plus lambda x CVaR when asked.

    first_stage_cost = sum of discounted first-stage terms; scenario_cost[w] = sum of discounted
    recourse terms of w; objective = first_stage_cost + sum_w p_w scenario_cost[w] (+ lambda CVaR).
    """
    data = lp.data
    lam = float(data.settings.get("risk_weight") or 0.0)
    alpha = float(data.settings.get("cvar_alpha") or 0.0)
    prob = data.probability
    keys, owner, cols, coefs, const = cost_arrays(lp)
    disc = np.array([lp.discount(t) for (_, _, t, _) in keys])
    first = np.array([w is None for (_, _, _, w) in keys], dtype=bool)
    weight = disc * np.array([1.0 if w is None else prob[w] for (_, _, _, w) in keys])
    if lam > 0:  # the first-stage cost enters CVaR as well (it is the same in every scenario)
        weight = weight + lam * disc * first
    keep = cols != FIXED
    term_weight = weight[owner]
    offset = float(np.dot(const, weight))
    if lam > 0:
        lp.cvar = True
        cvar_var = lp.add_cols("cvar_var", [None], lower=-INF)[None]
        excess = lp.add_cols("cvar_excess", list(lp.W))
        scen_of = {w: n for n, w in enumerate(lp.W)}
        key_w = np.array([-1 if w is None else scen_of[w] for (_, _, _, w) in keys], dtype=np.int64)
        term_w = key_w[owner]
        for n, w in enumerate(lp.W):
            sel = (term_w == n) & keep
            body = Lin(cols[sel].tolist(), (coefs[sel] * disc[owner[sel]]).tolist(),
                       float(np.dot(const[key_w == n], disc[key_w == n])))
            lp.le("cvar_tail", w, body.term(cvar_var, -1.0), col_term(excess[w]))
        extra_cols = [cvar_var] + [excess[w] for w in lp.W]
        extra = [lam] + [lam * (1.0 / (1.0 - alpha)) * prob[w] for w in lp.W]
        lp.cvar_parts = (cvar_var, {w: excess[w] for w in lp.W}, alpha)
    else:
        extra_cols, extra = [], []
    n = len(lp.col_names)
    cost = np.bincount(cols[keep], weights=coefs[keep] * term_weight[keep], minlength=n)
    if extra_cols:
        np.add.at(cost, np.asarray(extra_cols, dtype=np.int64), np.asarray(extra, dtype=float))
    lp.cost = cost
    lp.offset = offset


# ==== arrays, solve and results ======================================================================
def arrays(lp: DirectLP) -> dict:
    """The row-wise matrix with duplicate entries merged and zeros dropped (as Pyomo's compile does).

    HiGHS gets the columns in the order in which they first appear in the rows (then the rest),
    which is the order the Pyomo backend's compile gives them: with the same rows in the same
    order, HiGHS takes the same path and, where the optimum or its duals are not unique, returns
    the same one. ``order[k]`` is the DirectLP column of HiGHS column k.
    """
    m, n = len(lp.row_names), len(lp.col_names)
    starts, idx, val = lp.matrix()
    row = np.repeat(np.arange(m, dtype=np.int64), np.diff(starts))
    keep = idx != FIXED
    idx, val, row = idx[keep], val[keep], row[keep]
    seen, first = np.unique(idx, return_index=True)
    order = seen[np.argsort(first, kind="stable")]
    rest = np.setdiff1d(np.arange(n, dtype=np.int64), order, assume_unique=True)
    order = np.concatenate((order, rest)).astype(np.int64)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n, dtype=np.int64)
    idx = position[idx]
    key = row * max(n, 1) + idx
    by_key = np.argsort(key, kind="stable")
    key, val, row, idx = key[by_key], val[by_key], row[by_key], idx[by_key]
    if len(key) and (np.diff(key) == 0).any():
        _, first = np.unique(key, return_index=True)
        val = np.add.reduceat(val, first)
        row, idx = row[first], idx[first]
    nz = val != 0.0
    row, idx, val = row[nz], idx[nz], val[nz]
    start = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=m))))
    return dict(n=n, m=m, start=start, index=idx.astype(np.int32), value=val, row=row, order=order)


@dataclass
class DirectSolution:
    """What results need from a solve: column values (by DirectLP column) and row duals."""

    x: np.ndarray
    row_dual: np.ndarray
    activity: np.ndarray  # row bodies at x (without the constants moved to the bounds)
    plan: dict | None = None  # model/direct_results.plan_tables(lp), prepared while HiGHS ran


class DirectHighs(HighsModel):
    """``HighsModel`` (model/solve.py) built from a DirectLP instead of a Pyomo model.

    Shares the solve layer's methods (run, status, in-place changes, MIP duals); values are kept
    as an array (``x``, by DirectLP column) instead of being loaded into Pyomo variables.
    """

    def __init__(self, lp: DirectLP):  # replaces HighsModel's compile of a Pyomo model
        t0 = time.perf_counter()
        A = arrays(lp)
        self.lp = lp
        order = self.order = A["order"]  # HiGHS column k is DirectLP column order[k]
        self.rows = lp.row_names
        self.cost = np.asarray(lp.cost, dtype=float)[order]
        self.offset = float(lp.offset)
        self.col_lower = np.asarray(lp.col_lower, dtype=float)[order]
        self.col_upper = np.asarray(lp.col_upper, dtype=float)[order]
        self.integrality = np.asarray(lp.col_integer, dtype=np.int32)[order]
        self.integer_cols = np.flatnonzero(self.integrality).astype(np.int32)
        self.row_lower = np.asarray(lp.row_lower, dtype=float)
        self.row_upper = np.asarray(lp.row_upper, dtype=float)
        self.n_nonzeros = int(len(A["value"]))
        self.sign = 1.0
        self.x = np.zeros(A["n"])
        self._pass(A["start"][:-1].astype(np.int32), A["index"], A["value"])
        self.compile_seconds = time.perf_counter() - t0

    @property
    def cols(self) -> list:
        """The (component, key) of each HiGHS column (named when asked for, not at the hand-off)."""
        names = self.lp.col_names
        return [names[j] for j in self.order.tolist()]

    def activity(self) -> np.ndarray:
        """Each row's body at the current values (HiGHS' row activities)."""
        return np.asarray(self.highs.getSolution().row_value, dtype=float).copy()

    @property
    def _solver_con_to_pyomo_con_map(self):  # explanations rebuild the model in Pyomo
        return None

    def load_vars(self) -> None:
        """Column values in the DirectLP's column order (``x[j]`` for column j of ``lp``)."""
        self.x = np.empty(len(self.order))
        self.x[self.order] = self.col_values()

    def duals(self) -> np.ndarray:
        sol = self.highs.getSolution()
        if not sol.dual_valid:
            raise ModelError("HiGHS returned no duals; shadow prices are not available.")
        return np.asarray(sol.row_dual, dtype=float).copy()


def solve_direct(data: ModelData, log_file=None, prepare_tables: bool = True):
    """Build and solve ``data`` on the direct backend.

    Returns (DirectLP, SolveResult, DirectSolution, build seconds). ``SolveResult.duals`` is left
    empty: the duals are the array ``DirectSolution.row_dual``, by row of the DirectLP.

    ``prepare_tables``: while HiGHS runs (it releases Python's lock), a second thread prepares
    the parts of the result tables that do not depend on the solution
    (``model/direct_results.plan_tables``); it only reads the LP, which nothing changes meanwhile.
    """
    t0 = time.perf_counter()
    lp = build_direct(data)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hm = DirectHighs(lp)
    hm.set_options(highs_options(lp.data.settings, log_file))
    planner = _Background(lp) if prepare_tables else None
    tc = hm.run()
    seconds = time.perf_counter() - t0
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible,
              TerminationCondition.infeasibleOrUnbounded):
        # explained in the user's terms from the Pyomo model's IIS (rare: worth a second build)
        from model.build import build
        from model.solve import solve

        solve(build(data), log_file=log_file)
        raise ModelError("HiGHS found the model infeasible, but the reference model solves: "
                         "please report this case.")
    out = finish(hm, tc, lp.data.settings, bool(len(hm.integer_cols)), seconds,
                 (len(lp.row_names), len(lp.col_names), len(hm.integer_cols)))
    row_dual, out.duals = out.duals, {}
    solution = DirectSolution(x=hm.x, row_dual=row_dual, activity=hm.activity())
    if planner is not None:
        t1 = time.perf_counter()
        solution.plan = planner.result()
        out.plan_wait_seconds = time.perf_counter() - t1
        out.plan_seconds = planner.seconds
    return lp, out, solution, build_s


class _Background:
    """``model.direct_results.plan_tables(lp)`` in a daemon thread; ``result()`` waits for it and
    re-raises what it raised."""

    def __init__(self, lp: DirectLP):
        from model.direct_results import plan_tables

        self._out, self._error = None, None

        self.seconds = 0.0

        def work():
            t0 = time.perf_counter()
            try:
                self._out = plan_tables(lp)
            except BaseException as exc:  # handed to the caller by result()
                self._error = exc
            self.seconds = time.perf_counter() - t0

        self._thread = threading.Thread(target=work, name="plan_tables", daemon=True)
        self._thread.start()

    def result(self) -> dict:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._out
