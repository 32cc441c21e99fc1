"""The one model representation: labelled index sets, variables, linear expressions and rows.

Every constraint family is declared once, in the block file of its topic, over an ``Index`` (the
keys of the family as integer codes per dimension) with an ``Expr`` (a linear expression per key:
sparse arrays of rows, columns and coefficients, and a constant per key). From the ``LP`` they
fill, ``model/backends/highs.py`` passes the matrix to HiGHS in one call, ``model/backends/pyomo.py``
builds a Pyomo model with the same named variables and constraints, and ``model/results.py`` reads
values and duals back by (component, key). docs/formulation.md §14 describes the layer.

Dimensions (``Space``): material ``m``, country ``c``, stage ``k``, year ``t``, scenario ``w``,
contract ``x``, tier ``j``. An ``Index`` keeps a code array per dimension it has; its keys are the
label tuples in the order of its dimensions. Lookups of keys in another index are vectorised: each
key becomes one integer (mixed radix over the dimensions) found by binary search.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INF = float("inf")
MISSING = -1


class Space:
    """The labels of every dimension of one model and their integer codes."""

    def __init__(self, **labels):
        self.labels = {d: list(v) for d, v in labels.items()}
        self.code = {d: {lab: i for i, lab in enumerate(v)} for d, v in self.labels.items()}
        self._arrays = {d: np.array(v, dtype=object) for d, v in self.labels.items()}

    def ranks(self, dim: str) -> np.ndarray:
        """Each code's place in the sorted order of the labels (to sort keys as their labels sort)."""
        labels = self.labels[dim]
        order = sorted(range(len(labels)), key=labels.__getitem__)
        rank = np.empty(len(labels), dtype=np.int64)
        rank[order] = np.arange(len(labels))
        return rank

    def size(self, dim: str) -> int:
        return max(1, len(self.labels[dim]))

    def codes(self, dim: str, values) -> np.ndarray:
        code = self.code[dim]
        return np.fromiter((code[v] for v in values), dtype=np.int64, count=len(values))

    def names(self, dim: str, codes: np.ndarray) -> np.ndarray:
        return self._arrays[dim][codes]

    def index(self, dims, keys) -> "Index":
        """An Index from a list of label tuples (in the order of ``dims``)."""
        keys = list(keys)
        if not keys:
            return Index(self, dims, {d: np.zeros(0, dtype=np.int64) for d in dims})
        if len(dims) == 1 and not isinstance(keys[0], tuple):
            keys = [(k,) for k in keys]
        cols = list(zip(*keys))
        return Index(self, dims, {d: self.codes(d, col) for d, col in zip(dims, cols)})

    def product(self, **dims) -> "Index":
        """Every combination of the given codes (the first dimension slowest)."""
        names = list(dims)
        arrays = [np.asarray(v, dtype=np.int64) for v in dims.values()]
        grids = np.meshgrid(*arrays, indexing="ij") if arrays else []
        return Index(self, tuple(names), {d: g.ravel() for d, g in zip(names, grids)})


class Index:
    """The keys of one family: integer codes per dimension, one entry per key, in a fixed order."""

    __slots__ = ("space", "dims", "codes", "n", "_sorted")

    def __init__(self, space: Space, dims, codes: dict, n: int | None = None):
        self.space = space
        self.dims = tuple(dims)
        self.codes = {d: np.asarray(codes[d], dtype=np.int64) for d in self.dims}
        self.n = len(next(iter(self.codes.values()))) if self.dims else (n or 0)
        self._sorted = None

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, dim: str) -> np.ndarray:
        return self.codes[dim]

    def take(self, sel) -> "Index":
        """The keys at positions (or under a mask) ``sel``, in that order."""
        if not self.dims:
            return Index(self.space, (), {}, n=len(np.arange(self.n)[sel]))
        return Index(self.space, self.dims, {d: c[sel] for d, c in self.codes.items()})

    def with_dims(self, dims, **codes) -> "Index":
        """An index of the same length over ``dims``: existing dimensions kept, others given."""
        merged = {**self.codes, **{d: np.broadcast_to(np.asarray(v, dtype=np.int64), (self.n,)) for d, v in
                                   codes.items()}}
        return Index(self.space, dims, merged)

    def repeat(self, dim: str, codes) -> "Index":
        """Each key once per code of ``dim`` (that dimension fastest, appended last)."""
        codes = np.asarray(codes, dtype=np.int64)
        out = {d: np.repeat(c, len(codes)) for d, c in self.codes.items()}
        out[dim] = np.tile(codes, self.n)
        return Index(self.space, self.dims + (dim,), out)

    def combined(self, dims=None) -> np.ndarray:
        """One int64 per key (mixed radix over ``dims``, default this index's own)."""
        dims = self.dims if dims is None else dims
        out = np.zeros(self.n, dtype=np.int64)
        for d in dims:
            out = out * self.space.size(d) + self.codes[d]
        return out

    def find(self, query: "Index") -> np.ndarray:
        """Position of each key of ``query`` in this index (MISSING where absent); ``query`` must
        have this index's dimensions (it may have more)."""
        if self._sorted is None:
            code = self.combined()
            order = np.argsort(code, kind="stable")
            self._sorted = (code[order], order)
        code, order = self._sorted
        q = query.combined(self.dims)
        pos = np.searchsorted(code, q)
        pos = np.minimum(pos, max(len(code) - 1, 0))
        found = (code[pos] == q) if len(code) else np.zeros(len(q), dtype=bool)
        return np.where(found, order[pos] if len(code) else 0, MISSING)

    def keys(self) -> list:
        """The label tuples (a plain label for a one-dimensional index)."""
        if not self.n:
            return []
        if not self.dims:
            return [None] * self.n
        cols = [self.space.names(d, self.codes[d]).tolist() for d in self.dims]
        if len(cols) == 1:
            return cols[0]
        return list(zip(*cols))

    def label(self, dim: str) -> np.ndarray:
        return self.space.names(dim, self.codes[dim])


class Expr:
    """A linear expression per key of an index of length ``n``: the terms ``coef x column`` of row
    ``row`` (sparse, in declaration order) plus ``const[row]``."""

    __slots__ = ("n", "row", "col", "coef", "const")

    def __init__(self, n: int, row=None, col=None, coef=None, const=None):
        self.n = n
        self.row = np.zeros(0, dtype=np.int64) if row is None else np.asarray(row, dtype=np.int64)
        self.col = np.zeros(0, dtype=np.int64) if col is None else np.asarray(col, dtype=np.int64)
        self.coef = np.zeros(0) if coef is None else np.asarray(coef, dtype=float)
        self.const = np.zeros(n) if const is None else np.broadcast_to(np.asarray(const, dtype=float), (n,)).copy()

    @staticmethod
    def constant(n: int, value) -> "Expr":
        return Expr(n, const=value)

    def __add__(self, other: "Expr") -> "Expr":
        if not isinstance(other, Expr):
            return Expr(self.n, self.row, self.col, self.coef, self.const + other)
        assert other.n == self.n, (self.n, other.n)
        return Expr(self.n, np.concatenate((self.row, other.row)), np.concatenate((self.col, other.col)),
                    np.concatenate((self.coef, other.coef)), self.const + other.const)

    def __neg__(self) -> "Expr":
        return Expr(self.n, self.row, self.col, -self.coef, -self.const)

    def __sub__(self, other: "Expr") -> "Expr":
        return self + (-other)

    def __mul__(self, a) -> "Expr":
        """Times a number or a number per key."""
        a = np.asarray(a, dtype=float)
        if a.ndim == 0:
            return Expr(self.n, self.row, self.col, self.coef * a, self.const * a)
        return Expr(self.n, self.row, self.col, self.coef * a[self.row], self.const * a)

    __rmul__ = __mul__

    def spread(self, src, dst, n: int, weight=None) -> "Expr":
        """An expression of length ``n`` whose row ``dst[p]`` adds ``weight[p] x`` row ``src[p]`` of
        this one, for each pair p (a row may go to several rows, several rows onto one)."""
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        w = np.ones(len(src)) if weight is None else np.broadcast_to(np.asarray(weight, float), (len(src),))
        if len(src) < 2 or (src[1:] >= src[:-1]).all():  # already in source order (take, regroup)
            src_s, dst_s, w_s = src, dst, w
        else:
            order = np.argsort(src, kind="stable")
            src_s, dst_s, w_s = src[order], dst[order], w[order]
        count = np.bincount(src_s, minlength=self.n)
        first = np.cumsum(count) - count
        rep = count[self.row]
        term = np.repeat(np.arange(len(self.row)), rep)
        k = np.arange(len(term)) - np.repeat(np.cumsum(rep) - rep, rep)
        pair = first[self.row[term]] + k
        const = np.bincount(dst, weights=self.const[src] * w, minlength=n) if len(dst) else np.zeros(n)
        return Expr(n, dst_s[pair], self.col[term], self.coef[term] * w_s[pair], const)

    def regroup(self, target, n: int) -> "Expr":
        """Row r becomes row ``target[r]`` of an expression of length ``n`` (several rows onto one:
        their sum; ``target[r] < 0``: dropped)."""
        target = np.asarray(target, dtype=np.int64)
        src = np.flatnonzero(target >= 0)
        return self.spread(src, target[src], n)

    def take(self, pos) -> "Expr":
        """Row i of the result is row ``pos[i]`` of this one (empty where ``pos[i] < 0``); ``pos``
        may repeat rows. A boolean mask keeps the rows where it is true."""
        pos = np.asarray(pos)
        if pos.dtype == bool:
            pos = np.flatnonzero(pos)
        pos = pos.astype(np.int64)
        dst = np.flatnonzero(pos >= 0)
        return self.spread(pos[dst], dst, len(pos))

    def nterms(self) -> np.ndarray:
        """Number of terms per row."""
        return np.bincount(self.row, minlength=self.n)

    def value(self, x: np.ndarray) -> np.ndarray:
        """The value per row at column values ``x``, summed in a fixed order."""
        return np.bincount(self.row, weights=self.coef * x[self.col], minlength=self.n) + self.const


def pick(var: "Var", query: Index, coef=1.0) -> Expr:
    """``coef x var[key]`` for each key of ``query`` (no term where the key has no column)."""
    pos = var.index.find(query)
    rows = np.flatnonzero(pos >= 0)
    c = np.broadcast_to(np.asarray(coef, dtype=float), (query.n,))[rows]
    return Expr(query.n, rows, var.start + pos[rows], c)


@dataclass
class Var:
    name: str
    index: Index
    start: int

    @property
    def n(self) -> int:
        return self.index.n

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.n)

    def expr(self, coef=1.0) -> Expr:
        """The variable itself, over its own index."""
        return Expr(self.n, np.arange(self.n), self.cols, np.broadcast_to(np.asarray(coef, float), (self.n,)))

    def at(self, query: Index, coef=1.0) -> Expr:
        return pick(self, query, coef)


@dataclass
class Con:
    name: str
    index: Index
    start: int
    sense: str  # "<=", ">=", "==" or "range"

    @property
    def n(self) -> int:
        return self.index.n

    @property
    def rows(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.n)


@dataclass
class LP:
    """Columns, rows and cost terms of one model, by named family."""

    space: Space
    vars: dict = field(default_factory=dict)
    cons: dict = field(default_factory=dict)
    n_cols: int = 0
    n_rows: int = 0
    _col_lower: list = field(default_factory=list)
    _col_upper: list = field(default_factory=list)
    _col_int: list = field(default_factory=list)
    _row_lower: list = field(default_factory=list)
    _row_upper: list = field(default_factory=list)
    _a: list = field(default_factory=list)  # (global rows, columns, coefficients)
    _costs: list = field(default_factory=list)  # (component, Index with m, t[, w], Expr)
    objective: tuple = (None, 0.0)  # (cost per column, constant), set by the objective block

    # ---- declaration -------------------------------------------------------------------------
    def var(self, name: str, index: Index, lower=0.0, upper=INF, integer: bool = False) -> Var:
        assert name not in self.vars, name
        v = Var(name, index, self.n_cols)
        n = index.n
        self._col_lower.append(np.broadcast_to(np.asarray(lower, float), (n,)))
        self._col_upper.append(np.broadcast_to(np.asarray(upper, float), (n,)))
        self._col_int.append(np.full(n, 1 if integer else 0, dtype=np.int32))
        self.n_cols += n
        self.vars[name] = v
        return v

    def con(self, name: str, index: Index, expr: Expr, sense: str, rhs=0.0) -> Con:
        """Rows ``expr (sense) rhs``, one per key; the expression's constant moves to the bounds."""
        assert name not in self.cons, name
        assert expr.n == index.n, (name, expr.n, index.n)
        n = index.n
        if sense == "range":  # rhs = (lower, upper)
            lower = np.broadcast_to(np.asarray(rhs[0], float), (n,)) - expr.const
            upper = np.broadcast_to(np.asarray(rhs[1], float), (n,)) - expr.const
        else:
            bound = np.broadcast_to(np.asarray(rhs, float), (n,)) - expr.const
            lower = bound if sense in (">=", "==") else np.full(n, -INF)
            upper = bound if sense in ("<=", "==") else np.full(n, INF)
        c = Con(name, index, self.n_rows, sense)
        self._row_lower.append(np.asarray(lower, float))
        self._row_upper.append(np.asarray(upper, float))
        self._a.append((expr.row + self.n_rows, expr.col, expr.coef))
        self.n_rows += n
        self.cons[name] = c
        return c

    def cost(self, component: str, index: Index, expr: Expr) -> None:
        """Cost terms: row r of ``expr`` is a cost of (component, material, year, scenario) of key
        r of ``index`` (dimensions m and t, and w for a recourse cost)."""
        assert expr.n == index.n
        if index.n:
            self._costs.append((component, index, expr))

    # ---- the arrays ------------------------------------------------------------------------
    def bounds(self):
        cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
        return (cat(self._col_lower, float), cat(self._col_upper, float), cat(self._col_int, np.int32),
                cat(self._row_lower, float), cat(self._row_upper, float))

    def coo(self):
        """Every matrix entry: (rows, columns, coefficients), in declaration order."""
        if not self._a:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        return tuple(np.concatenate(p) for p in zip(*self._a))

    def csr(self):
        """The row-wise matrix with duplicate entries merged and zeros dropped:
        (row starts with the end, columns, coefficients); columns ordered within each row."""
        row, col, val = self.coo()
        key = row * max(self.n_cols, 1) + col
        order = np.argsort(key, kind="stable")
        key, row, col, val = key[order], row[order], col[order], val[order]
        if len(key) and (np.diff(key) == 0).any():
            uniq, first = np.unique(key, return_index=True)
            val = np.add.reduceat(val, first)
            row, col = row[first], col[first]
        nz = val != 0.0
        row, col, val = row[nz], col[nz], val[nz]
        start = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=self.n_rows), out=start[1:])
        return start, col, val

    def cost_terms(self) -> dict:
        """All cost terms by key (component, material, year, scenario), keys in a fixed order:
        ``comps`` (component names), per key ``comp`` (into comps), ``m``, ``t`` and ``w`` codes
        (``w`` = -1 for a first-stage cost) and ``const``; per term ``key_of``, ``cols``, ``coefs``."""
        sp = self.space
        comps = sorted({c for c, _, _ in self._costs})
        comp_code = {c: i for i, c in enumerate(comps)}
        nw, nt, nm = sp.size("w") + 1, sp.size("t"), sp.size("m")
        codes, rows_key, cols, coefs, consts = [], [], [], [], []
        for comp, index, e in self._costs:
            w = index.codes["w"] + 1 if "w" in index.codes else np.zeros(index.n, dtype=np.int64)
            code = ((comp_code[comp] * nm + index["m"]) * nt + index["t"]) * nw + w
            codes.append(code)
            rows_key.append(code[e.row])
            cols.append(e.col)
            coefs.append(e.coef)
            consts.append((code, e.const))
        z = np.zeros(0, dtype=np.int64)
        allcodes = np.unique(np.concatenate(codes)) if codes else z
        const = np.zeros(len(allcodes))
        for code, k in consts:
            np.add.at(const, np.searchsorted(allcodes, code), k)
        rest = allcodes // nw
        return dict(comps=comps, comp=rest // nt // nm, m=(rest // nt) % nm, t=rest % nt, w=allcodes % nw - 1,
                    const=const, key_of=np.searchsorted(allcodes, np.concatenate(rows_key)) if codes else z,
                    cols=np.concatenate(cols) if codes else z, coefs=np.concatenate(coefs) if codes else np.zeros(0))


def union(*indexes: Index) -> Index:
    """The distinct keys of indexes over the same dimensions, in the order of their codes."""
    first = indexes[0]
    codes = {d: np.concatenate([ix.codes[d] for ix in indexes]) for d in first.dims}
    joined = Index(first.space, first.dims, codes)
    _, keep = np.unique(joined.combined(), return_index=True)
    return joined.take(keep)


def stack(*parts):
    """(Index, Expr) pairs over the same dimensions, one after the other: one (Index, Expr)."""
    first = parts[0][0]
    index = Index(first.space, first.dims, {d: np.concatenate([p[0].codes[d] for p in parts]) for d in first.dims})
    offset = np.cumsum([0] + [p[1].n for p in parts])
    expr = Expr(int(offset[-1]), np.concatenate([p[1].row + o for p, o in zip(parts, offset)]),
                np.concatenate([p[1].col for p in parts]), np.concatenate([p[1].coef for p in parts]),
                np.concatenate([p[1].const for p in parts]))
    return index, expr


def gather(values: np.ndarray, pos: np.ndarray, default=0.0) -> np.ndarray:
    """``values[pos]``, and ``default`` where ``pos`` is MISSING."""
    if not len(values):
        return np.full(len(pos), default, dtype=float)
    return np.where(pos >= 0, values[np.maximum(pos, 0)], default)
