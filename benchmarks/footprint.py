"""Benchmark: the product-footprint engine against bw2calc, on the same ecoinvent-sized system.

The system is the synthetic one of the team's own peer measurements of bw2calc 3.1.0 (seed 42,
rebuilt here by :func:`system` with the same algorithm, on a shared 2-core AMD EPYC VM): 20,000
processes in an ecoinvent-like market structure (3,000 markets, 17,000 producers, about 8.4 inputs
per column, each column's inputs summing to U(0.05, 0.4)), 1,000 biosphere flows with about 5
exchanges per process, one characterisation vector; lognormal σ ~ U(0.1, 0.4) on every
technosphere input and U(0.1, 0.6) on every biosphere exchange, production amounts exact.

Measured, dualcarbon in this process and bw2calc in a child process per interpreter given:

(a) one demand from the exchange arrays: build the matrices, solve, score (bw2calc: ``LCA`` +
    ``lci(factorize=True)`` + ``lcia()``);
(b) 100 further demands on the same system (bw2calc: ``lcia(demand=…)`` reusing the
    factorisation; dualcarbon: one block solve);
(c) Monte Carlo: seconds per iteration (dualcarbon ``--draws`` iterations, bw2calc
    ``--bw-draws``), and whether the two sets of scores come from one distribution
    (two-sample Kolmogorov–Smirnov test, means and standard deviations).

Scores of (a) and (b) must agree with bw2calc's to 1e-9 (relative).

    .venv/bin/python benchmarks/footprint.py [--draws 1000] [--bw-draws 20]
        [--pardiso-python .venv-pardiso/bin/python]

bw2calc is in the ``bench`` extra (``pip install -e '.[bench]'``); pypardiso, which Brightway
recommends on x86, goes in a venv of its own (``python3.12 -m venv .venv-pardiso &&
.venv-pardiso/bin/pip install bw2calc pypardiso``) so that dualcarbon's own figures stay those of
scipy alone. Writes benchmarks/results/footprint.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"
PROCESSES, FLOWS, MARKETS = 20_000, 1_000, 3_000
DEMAND_SEED = 7


def system(seed: int = 42) -> dict[str, Any]:
    """The exchanges of the peer-benchmarks system (same algorithm and seed, same matrices)."""
    rng = np.random.default_rng(seed)
    n = PROCESSES
    order = rng.permutation(n)
    markets, producers = order[:MARKETS], order[MARKETS:]
    popularity = 1.0 / np.arange(1, MARKETS + 1) ** 1.1
    popularity /= popularity.sum()
    supplied = markets[rng.choice(MARKETS, len(producers), p=popularity)]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for producer, count in zip(
        producers, np.maximum(1, rng.poisson(10, len(producers))), strict=True
    ):
        bought = np.unique(markets[rng.choice(MARKETS, count, p=popularity)])
        rows.append(bought)
        cols.append(np.full(len(bought), producer))
    rows.append(producers)
    cols.append(supplied)
    for market, count in zip(markets, rng.poisson(1.5, MARKETS), strict=True):
        bought = np.unique(markets[rng.choice(20, count)])
        bought = bought[bought != market]
        rows.append(bought)
        cols.append(np.full(len(bought), market))
    t_rows, t_cols = np.concatenate(rows), np.concatenate(cols)
    weight = rng.exponential(1.0, len(t_rows))
    column_total = np.bincount(t_cols, weights=weight, minlength=n)
    share = rng.uniform(0.05, 0.4, n)
    t_vals = weight / column_total[t_cols] * share[t_cols]
    t_sigma = rng.uniform(0.1, 0.4, len(t_rows))
    flow_weight = 1.0 / np.arange(1, FLOWS + 1) ** 0.8
    flow_weight /= flow_weight.sum()
    b_rows, b_cols = [], []
    for process, count in enumerate(np.maximum(1, rng.poisson(5, n))):
        flows = np.unique(rng.choice(FLOWS, count, p=flow_weight))
        b_rows.append(flows)
        b_cols.append(np.full(len(flows), process))
    b_r, b_c = np.concatenate(b_rows), np.concatenate(b_cols)
    b_vals = 10 ** rng.uniform(-6, 0, len(b_r))
    b_sigma = rng.uniform(0.1, 0.6, len(b_r))
    factors = 10 ** rng.uniform(-1, 4, FLOWS)
    factors[0] = 1.0
    demands = np.random.default_rng(DEMAND_SEED).choice(n, 101, replace=False)
    return {
        "n": n,
        "t_rows": t_rows,
        "t_cols": t_cols,
        "t_vals": t_vals,
        "t_sigma": t_sigma,
        "b_rows": b_r,
        "b_cols": b_c,
        "b_vals": b_vals,
        "b_sigma": b_sigma,
        "factors": factors,
        "demands": demands,
    }


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- dualcarbon ------------------------------------------------------------------------------------


def run_dualcarbon(g: dict[str, Any], draws: int) -> dict[str, Any]:
    from dualcarbon.footprint.montecarlo import UncertainMatrix, monte_carlo
    from dualcarbon.footprint.solver import TechnosphereSolver

    n = g["n"]
    technosphere = UncertainMatrix(
        np.concatenate([np.arange(n), g["t_rows"]]),
        np.concatenate([np.arange(n), g["t_cols"]]),
        np.concatenate([np.ones(n), -g["t_vals"]]),
        np.concatenate([np.zeros(n), g["t_sigma"]]),
        (n, n),
    )
    biosphere = UncertainMatrix(g["b_rows"], g["b_cols"], g["b_vals"], g["b_sigma"], (FLOWS, n))
    demands = g["demands"]
    single, scores_a = [], []
    for _ in range(3):
        start = time.perf_counter()
        a = technosphere.matrix()
        score_row = g["factors"] @ biosphere.matrix()
        demand = np.zeros(n)
        demand[demands[0]] = 1.0
        supply = TechnosphereSolver(a).solve(demand)
        scores_a.append(float(score_row @ supply))
        single.append(time.perf_counter() - start)
    solver = TechnosphereSolver(a)
    block = np.zeros((n, 100))
    block[demands[1:], np.arange(100)] = 1.0
    many = []
    for _ in range(3):
        start = time.perf_counter()
        scores_b = score_row @ solver.solve(block)
        many.append(time.perf_counter() - start)
    start = time.perf_counter()
    result = monte_carlo(technosphere, biosphere, g["factors"], demand, draws, seed=1)
    mc_seconds = time.perf_counter() - start
    return {
        "single_s": statistics.median(single),
        "score": scores_a[0],
        "hundred_s": statistics.median(many),
        "scores_100": [float(x) for x in scores_b],
        "mc_draws": draws,
        "mc_s_per_iteration": mc_seconds / draws,
        "mc_scores": result.scores.tolist(),
        "mc_direct_draws": result.direct_draws,
        "peak_rss_mib": _rss_mib(),
    }


# -- bw2calc, in a child process -------------------------------------------------------------------


def run_bw2calc(draws: int) -> dict[str, Any]:
    """The peer-benchmarks measurements of bw2calc, on the same system (run as a child)."""
    warnings.filterwarnings("ignore")
    import bw2calc as bc  # type: ignore[import-not-found,unused-ignore]
    import bw_processing as bwp  # type: ignore[import-not-found,unused-ignore]

    g = system()
    n = g["n"]

    def distributions(values: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        array = np.zeros(len(values), dtype=bwp.UNCERTAINTY_DTYPE)
        exact = np.isnan(sigma)
        array["uncertainty_type"] = np.where(exact, 0, 2)
        array["loc"] = np.where(exact, values, np.log(values))
        array["scale"] = np.nan_to_num(sigma)
        array["shape"] = array["minimum"] = array["maximum"] = np.nan
        return array

    package = bwp.create_datapackage(sum_intra_duplicates=False, seed=1)
    t_idx = np.zeros(n + len(g["t_rows"]), dtype=bwp.INDICES_DTYPE)
    t_idx["row"] = np.concatenate([np.arange(n), g["t_rows"]])
    t_idx["col"] = np.concatenate([np.arange(n), g["t_cols"]])
    t_val = np.concatenate([np.ones(n), g["t_vals"]])
    t_sig = np.concatenate([np.full(n, np.nan), g["t_sigma"]])
    package.add_persistent_vector(
        matrix="technosphere_matrix",
        name="tech",
        indices_array=t_idx,
        data_array=t_val,
        flip_array=np.concatenate([np.zeros(n, bool), np.ones(len(g["t_rows"]), bool)]),
        distributions_array=distributions(t_val, t_sig),
    )
    b_idx = np.zeros(len(g["b_rows"]), dtype=bwp.INDICES_DTYPE)
    b_idx["row"] = g["b_rows"] + n
    b_idx["col"] = g["b_cols"]
    package.add_persistent_vector(
        matrix="biosphere_matrix",
        name="bio",
        indices_array=b_idx,
        data_array=g["b_vals"],
        distributions_array=distributions(g["b_vals"], g["b_sigma"]),
    )
    c_idx = np.zeros(FLOWS, dtype=bwp.INDICES_DTYPE)
    c_idx["row"] = c_idx["col"] = np.arange(FLOWS) + n
    package.add_persistent_vector(
        matrix="characterization_matrix", name="gwp", indices_array=c_idx, data_array=g["factors"]
    )
    demands = [int(d) for d in g["demands"]]
    single = []
    for _ in range(3):
        start = time.perf_counter()
        lca = bc.LCA({demands[0]: 1.0}, data_objs=[package])
        lca.lci(factorize=True)
        lca.lcia()
        single.append(time.perf_counter() - start)
    score = float(lca.score)
    start = time.perf_counter()
    scores_100 = []
    for d in demands[1:]:
        lca.lcia(demand={d: 1.0})
        scores_100.append(float(lca.score))
    hundred = time.perf_counter() - start
    mc = bc.LCA({demands[0]: 1.0}, data_objs=[package], use_distributions=True, seed_override=3)
    mc.lci()
    mc.lcia()
    times, mc_scores = [], []
    for _ in range(draws):
        start = time.perf_counter()
        next(mc)
        times.append(time.perf_counter() - start)
        mc_scores.append(float(mc.score))
    return {
        "version": bc.__version__,
        "pardiso": bool(bc.PYPARDISO),
        "single_s": statistics.median(single),
        "score": score,
        "hundred_s": hundred,
        "scores_100": scores_100,
        "mc_draws": draws,
        "mc_s_per_iteration": statistics.median(times),
        "mc_scores": mc_scores,
        "peak_rss_mib": _rss_mib(),
    }


def _child(python: str, draws: int) -> dict[str, Any] | None:
    done = subprocess.run(
        [python, __file__, "--bw2calc-worker", str(draws)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"  bw2calc under {python} failed:\n{done.stderr[-2000:]}")
        return None
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _agreement(ours: dict[str, Any], peer: dict[str, Any]) -> float:
    pairs = [
        (ours["score"], peer["score"]),
        *zip(ours["scores_100"], peer["scores_100"], strict=True),
    ]
    return max(abs(a - b) / abs(b) for a, b in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--bw-draws", type=int, default=20)
    parser.add_argument("--bw-python", default=sys.executable)
    parser.add_argument("--pardiso-python", default=None)
    parser.add_argument("--bw2calc-worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bw2calc_worker is not None:
        print(json.dumps(run_bw2calc(args.bw2calc_worker)))
        return

    from scipy import stats

    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    # the children first: Linux keeps a process's peak RSS across fork and exec, so a child
    # started after this process had grown would report this process's peak as its own
    peers = {"bw2calc (SuperLU)": _child(args.bw_python, args.bw_draws)}
    if args.pardiso_python:
        peers["bw2calc + pypardiso"] = _child(args.pardiso_python, args.bw_draws)
    start = time.perf_counter()
    g = system()
    print(
        f"system generated in {time.perf_counter() - start:.1f} s: {g['n']} processes, "
        f"{g['n'] + len(g['t_rows'])} technosphere and {len(g['b_rows'])} biosphere exchanges"
    )
    ours = run_dualcarbon(g, args.draws)
    rows = [("dualcarbon", ours)] + [(name, p) for name, p in peers.items() if p is not None]
    print(
        f"\n{'':24}{'(a) one demand':>16}{'(b) 100 demands':>17}{'(c) MC s/iter':>15}"
        f"{'peak RSS':>10}"
    )
    for name, r in rows:
        print(
            f"{name:24}{r['single_s']:>14.3f} s{r['hundred_s']:>15.3f} s"
            f"{r['mc_s_per_iteration']:>13.4f} s{r['peak_rss_mib']:>7.0f} MiB"
        )
    report: dict[str, Any] = {"dualcarbon": {k: v for k, v in ours.items() if k != "mc_scores"}}
    our_scores = np.array(ours["mc_scores"])
    print(
        f"\nMonte Carlo, dualcarbon: {args.draws} draws, mean {our_scores.mean():.1f}, sd "
        f"{our_scores.std(ddof=1):.1f}, {ours['mc_direct_draws']} draws solved directly"
    )
    for name, peer in peers.items():
        if peer is None:
            continue
        theirs = np.array(peer["mc_scores"])
        ks = stats.ks_2samp(our_scores, theirs)
        agreement = _agreement(ours, peer)
        ratios = {
            "single": peer["single_s"] / ours["single_s"],
            "hundred": peer["hundred_s"] / ours["hundred_s"],
            "mc": peer["mc_s_per_iteration"] / ours["mc_s_per_iteration"],
        }
        print(
            f"{name} {peer['version']}: scores agree to {agreement:.1e}; dualcarbon "
            f"{ratios['single']:.0f}× faster on (a), {ratios['hundred']:.1f}× on (b), "
            f"{ratios['mc']:.1f}× per MC iteration; its {len(theirs)} MC draws: mean "
            f"{theirs.mean():.1f}, sd {theirs.std(ddof=1):.1f}, KS p = {ks.pvalue:.2f}"
        )
        report[name] = {
            **{k: v for k, v in peer.items() if k not in ("mc_scores", "scores_100")},
            "agreement": agreement,
            "ratios": ratios,
            "ks_pvalue": float(ks.pvalue),
            "mc_mean": float(theirs.mean()),
            "mc_sd": float(theirs.std(ddof=1)),
        }
    report["dualcarbon"]["mc_mean"] = float(our_scores.mean())
    report["dualcarbon"]["mc_sd"] = float(our_scores.std(ddof=1))
    report["dualcarbon"].pop("scores_100")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "footprint.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
