"""Which declaration layer: the project's ``model/lp.py`` against linopy, on the same families.

``python bench/declaration_layer.py`` (linopy must be importable: ``pip install linopy``; the
project does not depend on it) declares, at the size of the largest benchmark instance S5 (40
materials, 40 countries, 16 years, 30 scenarios), the two families that dominate the model:

* ``imp_ref[m,c,t,w]`` with ``supply_limit``: imp_ref <= available (one row per offer);
* ``balance[m,t,w]``: sum over c of imp_ref + unmet == demand (a sum over one dimension);

and prints, side by side, the time to import each layer and to declare the families and build
the row-wise matrix HiGHS takes. Both in one process, in alternation, best of three.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
M, C, T, W = 40, 40, 16, 30


def ours() -> float:
    from model.lp import LP, Space

    t0 = time.perf_counter()
    sp = Space(m=[f"m{i}" for i in range(M)], c=[f"c{i}" for i in range(C)], t=list(range(2025, 2025 + T)),
               w=[f"w{i}" for i in range(W)])
    lp = LP(sp)
    offers = sp.product(m=np.arange(M), c=np.arange(C), t=np.arange(T), w=np.arange(W))
    imp = lp.var("imp_ref", offers)
    lp.con("supply_limit", offers, imp.expr(), "<=", 100.0)
    bal = sp.product(m=np.arange(M), t=np.arange(T), w=np.arange(W))
    unmet = lp.var("unmet", bal)
    supply = imp.expr().regroup(bal.find(offers.with_dims(("m", "t", "w"))), bal.n)
    lp.con("balance", bal, supply + unmet.expr(), "==", 50.0)
    lp.csr()
    return time.perf_counter() - t0


def linopy_build() -> float:
    import linopy
    import pandas as pd
    import xarray as xr

    t0 = time.perf_counter()
    m = linopy.Model()
    coords = [pd.Index([f"m{i}" for i in range(M)], name="m"), pd.Index([f"c{i}" for i in range(C)], name="c"),
              pd.Index(range(2025, 2025 + T), name="t"), pd.Index([f"w{i}" for i in range(W)], name="w")]
    imp = m.add_variables(lower=0, coords=coords, name="imp_ref")
    m.add_constraints(imp <= 100.0, name="supply_limit")
    unmet = m.add_variables(lower=0, coords=[coords[0], coords[2], coords[3]], name="unmet")
    m.add_constraints(imp.sum("c") + unmet == xr.DataArray(50.0), name="balance")
    m.matrices.A.tocsr()
    return time.perf_counter() - t0


def main() -> int:
    t0 = time.perf_counter()
    import model.lp  # noqa: F401
    ours_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        import linopy  # noqa: F401
    except ImportError:
        print("linopy is not installed (pip install linopy); nothing to compare")
        return 1
    lin_import = time.perf_counter() - t0
    a, b = [], []
    for _ in range(3):
        a.append(ours())
        b.append(linopy_build())
    nnz = 2 * M * C * T * W + M * T * W
    print(f"families imp_ref/supply_limit/balance at S5 size: {nnz:,} nonzeros")
    print("| layer | import s | declare + matrix s (best of 3) | us per nonzero |")
    print("|---|---:|---:|---:|")
    print(f"| model/lp.py | {ours_import:.2f} | {min(a):.3f} | {1e6 * min(a) / nnz:.2f} |")
    print(f"| linopy {linopy.__version__} | {lin_import:.2f} | {min(b):.3f} | {1e6 * min(b) / nnz:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
