"""Numerical health of a solved model: badly scaled coefficients and residual infeasibilities.

HiGHS solves to tolerances of about 1e-7; a matrix whose coefficients span more than about nine
orders of magnitude, or costs spanning more than that, can make its answers unreliable. These
checks read the model HiGHS actually solved and return warnings in words; the run prints them and
writes them into the run sheet and manifest.
"""
from __future__ import annotations

import numpy as np

RANGE_LIMIT = 1e9
LARGE = 1e12


def _span(values) -> tuple[float, float]:
    v = np.abs(np.asarray(values, dtype=float))
    v = v[(v > 0) & np.isfinite(v)]
    if v.size == 0:
        return 0.0, 0.0
    return float(v.min()), float(v.max())


def diagnose(highs) -> list[str]:
    """Warnings about the model held by a ``highspy.Highs`` object after a solve."""
    try:
        lp = highs.getLp()
    except Exception:  # no model loaded
        return []
    return (scaling_warnings(lp.a_matrix_.value_, lp.col_cost_, lp.row_lower_, lp.row_upper_)
            + solution_warnings(highs))


def scaling_warnings(a_value, col_cost, row_lower, row_upper) -> list[str]:
    """Warnings about the coefficients and right-hand sides of a model (the arrays given to HiGHS)."""
    warnings = []
    for what, values, unit in (("constraint coefficients", a_value, ""),
                               ("objective coefficients", col_cost, " EUR")):
        lo, hi = _span(values)
        if lo and hi / lo > RANGE_LIMIT:
            warnings.append(f"the {what} span {lo:.3g} to {hi:.3g}{unit} (a ratio of {hi / lo:.1e}); "
                            f"results may be inaccurate: rescale units (e.g. kt instead of t, MEUR "
                            f"instead of EUR) or drop negligible entries")
    bounds = np.concatenate([np.asarray(row_lower, float), np.asarray(row_upper, float)])
    lo, hi = _span(bounds)
    if hi > LARGE:
        warnings.append(f"a right-hand side is as large as {hi:.3g}; check the units of demand and capacities")
    return warnings


def solution_warnings(highs) -> list[str]:
    """Warnings about the solution HiGHS found (residual infeasibilities)."""
    warnings = []
    try:
        info = highs.getInfo()
        if getattr(info, "num_primal_infeasibilities", 0) and info.num_primal_infeasibilities > 0:
            warnings.append(f"HiGHS reports {info.num_primal_infeasibilities} primal infeasibilities "
                            f"(largest {info.max_primal_infeasibility:.3g}) in the solution")
    except Exception:
        pass
    return warnings
