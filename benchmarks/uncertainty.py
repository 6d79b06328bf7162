"""Benchmark: the law of propagation and Monte Carlo against peers, in one run.

1. Law of propagation on inventory-shaped models with N = 10⁴ lines, the models of the team's
   own peer measurements (uncertainties 3.2.3 and GTC 1.5.1 on a shared 2-core AMD EPYC VM, median
   of 3 processes): linear y = Σ cᵢxᵢ and y = Σ aᵢxᵢzᵢ (2·10⁴ inputs),
   every input with 20 degrees of freedom. Peers: `uncertainties` (no degrees of freedom) and GTC
   (with Welch–Satterthwaite). Each case runs in its own process: time (build inputs + y + u(y)
   [+ dof]), peak RSS, and agreement of u and ν with the peers.
2. Monte Carlo, 10⁶ trials of a 100-input linear model with normal inputs: dualcarbon against the
   plain numpy floor of the same peer measurements (blocks of 10⁵; 1.55 s there), in the same
   run.

    .venv/bin/python benchmarks/uncertainty.py [--n 10000] [--skip-gtc]

Writes benchmarks/results/uncertainty.json.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import platform
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"


def _data(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return {
        "xv": rng.uniform(1, 10, n),
        "xu": rng.uniform(0.01, 0.5, n),
        "zv": rng.uniform(1, 2, n),
        "zu": rng.uniform(0.01, 0.1, n),
        "c": rng.uniform(0.5, 2.0, n),
    }


def _case(lib: str, model: str, n: int) -> dict[str, Any]:
    d = _data(n)
    # imports are outside the timing, as in the peer measurements
    if lib == "dualcarbon":
        from dualcarbon.uncertainty.equation_sum import EquationSum
    elif lib == "uncertainties":
        import uncertainties
    else:
        import GTC
    start = time.perf_counter()
    dof = math.nan
    if lib == "dualcarbon":
        if model == "linear":
            m = EquationSum.linear(d["c"], d["xv"], d["xu"], np.full(n, 20.0))
        else:
            m = EquationSum.products(
                np.concatenate([d["xv"], d["zv"]]),
                np.concatenate([d["xu"], d["zu"]]),
                d["c"],
                np.stack([np.arange(n), n + np.arange(n)], axis=1),
                np.full(2 * n, 20.0),
            )
        result = m.gum()
        u, dof = result.u, result.dof
    elif lib == "uncertainties":
        xs = [
            uncertainties.ufloat(v, s)
            for v, s in zip(d["xv"].tolist(), d["xu"].tolist(), strict=True)
        ]
        c = d["c"].tolist()
        if model == "linear":
            y = sum(ci * xi for ci, xi in zip(c, xs, strict=True))
        else:
            zs = [
                uncertainties.ufloat(v, s)
                for v, s in zip(d["zv"].tolist(), d["zu"].tolist(), strict=True)
            ]
            y = sum(ci * xi * zi for ci, xi, zi in zip(c, xs, zs, strict=True))
        u = y.std_dev  # type: ignore[union-attr]
    else:
        xs = [
            GTC.ureal(v, s, df=20) for v, s in zip(d["xv"].tolist(), d["xu"].tolist(), strict=True)
        ]
        c = d["c"].tolist()
        if model == "linear":
            y = sum(ci * xi for ci, xi in zip(c, xs, strict=True))
        else:
            zs = [
                GTC.ureal(v, s, df=20)
                for v, s in zip(d["zv"].tolist(), d["zu"].tolist(), strict=True)
            ]
            y = sum(ci * xi * zi for ci, xi, zi in zip(c, xs, zs, strict=True))
        u, dof = GTC.uncertainty(y), GTC.dof(y)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "u": u,
        "dof": dof,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _mc(which: str) -> dict[str, Any]:
    k, trials, block = 100, 1_000_000, 100_000
    r0 = np.random.default_rng(0)
    mu, u, c = r0.uniform(1, 10, k), r0.uniform(0.01, 0.5, k), r0.uniform(0.5, 2, k)
    from dualcarbon.uncertainty.equation_sum import EquationSum

    start = time.perf_counter()
    if which == "numpy floor":
        rng = np.random.default_rng(1)
        ys = []
        for _ in range(trials // block):
            x = rng.standard_normal((block, k))
            x *= u
            x += mu
            ys.append(x @ c)
        y = np.concatenate(ys)
        s = float(y.std(ddof=1))
    else:
        s = EquationSum.linear(c, mu, u).monte_carlo(trials, seed=1).u
    return {
        "seconds": time.perf_counter() - start,
        "u": s,
        "analytic_u": float(np.sqrt(((c * u) ** 2).sum())),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(queue: mp.Queue[dict[str, Any]], job: tuple[Any, ...]) -> None:
    queue.put(_mc(job[1]) if job[0] == "mc" else _case(*job))


def run(job: tuple[Any, ...]) -> dict[str, Any]:
    context = mp.get_context("spawn")
    queue: mp.Queue[dict[str, Any]] = context.Queue()
    process = context.Process(target=_child, args=(queue, job))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{job} failed")
    return queue.get(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--skip-gtc", action="store_true", help="GTC takes about a minute at 10⁴")
    args = parser.parse_args()
    report: dict[str, Any] = {
        "command": f".venv/bin/python benchmarks/uncertainty.py --n {args.n}",
        "law_of_propagation": {},
        "monte_carlo": {},
    }
    for model in ("linear", "products"):
        cases = {lib: run((lib, model, args.n)) for lib in ("dualcarbon", "uncertainties")}
        if not args.skip_gtc:
            cases["GTC"] = run(("GTC", model, args.n))
        ours = cases["dualcarbon"]
        fastest_peer = min(v["seconds"] for k, v in cases.items() if k != "dualcarbon")
        report["law_of_propagation"][model] = {
            "n_lines": args.n,
            "cases": cases,
            "speedup_vs_fastest_peer": fastest_peer / ours["seconds"],
            "u_relative_difference": {
                k: abs(v["u"] - ours["u"]) / v["u"] for k, v in cases.items() if k != "dualcarbon"
            },
            "dof_relative_difference_vs_GTC": (
                abs(cases["GTC"]["dof"] - ours["dof"]) / cases["GTC"]["dof"]
                if "GTC" in cases
                else None
            ),
        }
    floor = run(("mc", "numpy floor"))
    ours = run(("mc", "dualcarbon"))
    report["monte_carlo"] = {
        "trials": 1_000_000,
        "inputs": 100,
        "numpy_floor": floor,
        "dualcarbon": ours,
        "speedup_vs_floor": floor["seconds"] / ours["seconds"],
    }
    report["machine"] = (
        f"{platform.machine()}, {mp.cpu_count()} cores, Python {platform.python_version()}"
    )
    report["when"] = time.strftime("%Y-%m-%d")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "uncertainty.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
