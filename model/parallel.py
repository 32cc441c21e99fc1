"""Run independent tasks (the parts of a decomposition, Monte Carlo samples) on an existing engine.

``run_tasks(fn, items, engine=..., workers=...)`` returns ``[fn(item) for item in items]`` in the
order of ``items``, computed

* ``serial``: in this process, one after the other;
* ``processes`` (the default where there is more than one task and more than one core): local
  worker processes (``concurrent.futures.ProcessPoolExecutor``), started by ``forkserver`` where the
  platform has it (a clean process forked per worker: no solver threads of this process are
  inherited) and by ``spawn`` elsewhere;
* ``dask``: the workers of a Dask distributed cluster (``dask.distributed.Client``), at the address
  in ``address`` or, without one, in the environment variable ``CRM_DASK_SCHEDULER``; with neither,
  a local cluster of ``workers`` processes. Dask is optional (``pip install -e ".[cluster]"``).

``fn`` must be a module-level function (it is sent to other processes by name) and its items and
results picklable. Errors raised by ``fn`` are raised here, from the first failed item in order.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

ENGINES = ("auto", "serial", "processes", "dask")
DASK_ENV = "CRM_DASK_SCHEDULER"


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def choose_engine(n_items: int, engine: str = "auto", workers: int | None = None) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if os.environ.get(DASK_ENV):
        return "dask"
    n = workers or cores()
    return "processes" if n_items > 1 and n > 1 else "serial"


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_tasks(fn, items, engine: str = "auto", workers: int | None = None, address: str | None = None,
              progress=None) -> list:
    """``[fn(item) for item in items]`` on the chosen engine (see the module's docstring).

    ``progress(done, total, seconds)`` is called as results arrive."""
    items = list(items)
    engine = choose_engine(len(items), engine, workers)
    t0 = time.perf_counter()
    if engine == "serial" or not items:
        out = []
        for i, item in enumerate(items):
            out.append(fn(item))
            if progress:
                progress(i + 1, len(items), time.perf_counter() - t0)
        return out
    if engine == "processes":
        n = min(workers or cores(), len(items))
        with ProcessPoolExecutor(max_workers=n, mp_context=_context()) as pool:
            futures = [pool.submit(fn, item) for item in items]
            return _collect(futures, progress, t0)
    return _run_dask(fn, items, workers, address, progress, t0)


def _collect(futures, progress, t0) -> list:
    from concurrent.futures import as_completed

    if progress:
        for done, _ in enumerate(as_completed(futures), start=1):
            progress(done, len(futures), time.perf_counter() - t0)
    return [f.result() for f in futures]


def _run_dask(fn, items, workers, address, progress, t0) -> list:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError('The dask engine needs Dask distributed: pip install -e ".[cluster]"') from None
    address = address or os.environ.get(DASK_ENV)
    cluster = None
    if address:
        client = Client(address)
    else:
        cluster = LocalCluster(n_workers=workers or cores(), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(fn, items, pure=False)
        if progress:
            for done, _ in enumerate(as_completed(futures), start=1):
                progress(done, len(futures), time.perf_counter() - t0)
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
