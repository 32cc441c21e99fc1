"""Co-products in fixed ratios (formulation §3.5).

A rare-earth separation plant yields NdPr and Dy/Tb together; a PGM mine yields platinum and
palladium together. A co-product group g (sheet ``coproducts``) is a plant whose capacity and costs
are technology / capacity_existing rows under the group's id (t/yr of group output), built like any
capacity (model/blocks/capacity.py). Its members m receive ``share[g,m]`` t per t of output.

* ``coproduct_output[g,t,w]`` (t of group output), ``coproduct_capacity[g,t,w]``: output <=
  cap_avail[g, stage of g, t]. Variable O&M of the group's technology per t of output.
* ``coproduct_surplus[g,m,t,w]``: the part of member m's yield the EU does not use, sold outside at
  ``surplus_value`` (a revenue; 0 = disposed of); ``coproduct_surplus_limit``: surplus <= share x
  output. What is not surplus feeds the member's EU supply at the group's stage: refined material
  into ``eu_processing[m]`` (processing), or ore into m's EU refining feed and EU extraction
  (extraction). A surplus may also go into the strategic stock through the balance.
* Capacity-basis benchmarks count share x the group's capacity as the member's capacity at that
  stage (``coproduct_capacity_share``, read by model/blocks/benchmarks.py).

Published: ``coproduct_refined`` and ``coproduct_ore`` over (m, t, w), ``coproduct_capacity_share``
over (m, k, t).
"""
from __future__ import annotations

import numpy as np

from model.blocks.capacity import available
from model.lp import Expr, Index


def groups(data) -> dict:
    """group -> (stage, [(member, share, surplus_value)]) for members that are materials of the model."""
    out = {}
    for (g, m), rec in data.table("coproducts").items():
        if m in data.materials:
            out.setdefault(g, (rec["stage"], []))[1].append((m, rec["share"], rec["surplus_value"]))
    return out


def members(data, stage: str) -> list:
    """Materials a co-product group yields at ``stage``."""
    return sorted({m for k, ms in groups(data).values() if k == stage for m, _, _ in ms})


def add_coproducts(mod) -> None:
    data, lp, sp = mod.data, mod.lp, mod.space
    gs = groups(data)
    nT, nW = len(mod.T), len(mod.W)
    own_cap = {g for (g, _) in data.table("technology")} | {g for (g, _, _) in data.table("capacity_existing")}
    names = [g for g in gs if g in own_cap]
    G = sp.index(("m",), names).repeat("t", np.arange(nT)).repeat("w", np.arange(nW))
    out = lp.var("coproduct_output", G)
    stage = np.array([gs[g][0] for g in names for _ in range(nT * nW)], dtype=object)
    cap = Expr(G.n)
    for k in ("processing", "extraction"):
        sel = np.flatnonzero(stage == k)
        if len(sel):
            cap = cap + available(mod, k, G.take(sel)).regroup(sel, G.n)
    lp.con("coproduct_capacity", G, out.expr() - cap, "<=", 0.0)
    tech = data.table("technology")
    vom = np.array([(tech.get((g, gs[g][0])) or {}).get("variable_om", 0.0) or 0.0 for g in names])
    rate = np.repeat(vom, nT * nW)
    lp.cost("variable_om", G.take(rate != 0), out.expr(rate).take(rate != 0))

    # members: yield share x output, less the surplus
    keys = [(g, m) for g in names for m, _, _ in gs[g][1]]
    share = {(g, m): s for g in names for m, s, _ in gs[g][1]}
    value = {(g, m): v for g in names for m, _, v in gs[g][1]}
    rows = [(g, m, t, w) for (g, m) in keys for t in range(nT) for w in range(nW)]
    gi = np.array([sp.code["m"][g] for g, _, _, _ in rows], dtype=np.int64)
    mi = np.array([sp.code["m"][m] for _, m, _, _ in rows], dtype=np.int64)
    ti = np.array([t for _, _, t, _ in rows], dtype=np.int64)
    wi = np.array([w for _, _, _, w in rows], dtype=np.int64)
    # the group in dimension g (its codes are those of dimension m, where groups follow the materials)
    S = Index(sp, ("g", "m", "t", "w"), {"g": gi, "m": mi, "t": ti, "w": wi})
    surplus = lp.var("coproduct_surplus", S)
    sh = np.array([share[(g, m)] for g, m, _, _ in rows], dtype=float)
    yielded = out.at(Index(sp, ("m", "t", "w"), {"m": gi, "t": ti, "w": wi}), sh)
    lp.con("coproduct_surplus_limit", S, surplus.expr() - yielded, "<=", 0.0)
    sv = np.array([value[(g, m)] for g, m, _, _ in rows], dtype=float)
    sell = sv != 0
    lp.cost("coproduct_sales", Index(sp, ("m", "t", "w"), {"m": mi, "t": ti, "w": wi}).take(sell),
            surplus.expr(-sv).take(sell))
    net = yielded - surplus.expr()
    mod.publish("coproduct_yield", S, yielded)
    kstage = np.array([gs[g][0] for g, _, _, _ in rows], dtype=object)
    for k, name in (("processing", "coproduct_refined"), ("extraction", "coproduct_ore")):
        mem = sp.codes("m", members(data, k))
        idx = sp.product(m=mem, t=np.arange(nT), w=np.arange(nW))
        sel = np.flatnonzero(kstage == k)
        target = np.full(S.n, -1, dtype=np.int64)
        target[sel] = idx.find(Index(sp, ("m", "t", "w"), {"m": mi[sel], "t": ti[sel], "w": wi[sel]}))
        mod.publish(name, idx, net.regroup(target, idx.n))
    # capacity shares for capacity-basis benchmarks: sum over groups of share x cap_avail[g, k, t]
    ck = sorted({(m, gs[g][0]) for (g, m) in keys})
    cidx = sp.index(("m", "k"), ck).repeat("t", np.arange(nT))
    cexpr = Expr(cidx.n)
    for (g, m) in keys:
        k = gs[g][0]
        q = sp.index(("m", "k"), [(g, k)]).repeat("t", np.arange(nT))
        part = available(mod, k, q.with_dims(("m", "t"))) * share[(g, m)]
        dst = cidx.find(sp.index(("m", "k"), [(m, k)]).repeat("t", np.arange(nT)))
        cexpr = cexpr + part.regroup(dst, cidx.n)
    mod.publish("coproduct_capacity_share", cidx, cexpr)
