"""The interpolation chapter: the loss along the line between two states of a regular run and
between the solutions of two CLR cycles (Smith and Topin 2017)."""
import numpy as np
import pandas as pd

from ..analysis import barrier_height, compare, lowest_alpha, one_sample
from ..claim import Claim
from ..config import make_config
from ..interpolation import lines_job
from ..paper import TOPOLOGY as PAPER
from ..profiles import get_profile

REGULAR, CYCLICAL = "regular run", "cyclical run"
ALPHAS = sorted(set(np.round(np.linspace(-0.5, 1.5, 21), 2)) | {-10.0, -8.0, -6.0, -4.0, -2.0, -1.0, 2.0, 3.0, 4.0})


def jobs(profile=None):
    """{run: its interpolation job}: the step schedule for twice the budget, joined at half time
    and at the end; the triangular CLR for three cycles, joined at the ends of the last two."""
    p = get_profile(profile)
    budget, cycle = p.epochs, max(1, p.epochs // 2)
    regular = make_config(p.name, name="ip-step", schedule="step", lr=0.1, mom=0.9, wd=1e-4, epochs=2 * budget)
    cyclical = make_config(p.name, name="ip-clr", schedule="triangular", lr=0.4, base_lr=0.1, mom=0.9, wd=1e-4,
                           step_epochs=cycle / 2, epochs=3 * cycle)
    return {REGULAR: lines_job(regular, {"line": (budget, 2 * budget)}, ALPHAS),
            CYCLICAL: lines_job(cyclical, {"line": (2 * cycle, 3 * cycle)}, ALPHAS)}


def arms(profile=None):
    """{run: [its interpolation job]}: one run each (see `jobs`)."""
    return {run: [job] for run, job in jobs(profile).items()}


def lines(results):
    """{run: its line (epochs joined, interpolated and recomputed rows)} of {run: [result]}, the
    first run of each."""
    return {run: rs[0]["lines"]["line"] for run, rs in results.items()}


def recomputed(results):
    """{run: [the line with BatchNorm statistics recomputed, per seed]}."""
    return {run: [r["lines"]["line"]["recomputed"] for r in rs] for run, rs in results.items()}


def runs_table(results):
    """The epochs each line joins and the final accuracy (%) of its run, one row per run."""
    return pd.DataFrame({run: {"epochs joined": tuple(rs[0]["lines"]["line"]["epochs"]),
                               "final accuracy (%)": 100 * rs[0]["run"]["final"]["accuracy"]}
                         for run, rs in results.items()}).T


def how_many(n):
    """'a single run' or 'n runs', for the chapter's sentences."""
    return "a single run" if n == 1 else f"{n} runs"


def barrier(results, margin):
    heights = {run: np.array([barrier_height(rows) for rows in lines]) for run, lines in recomputed(results).items()}
    return (f"validation-loss barrier {heights[CYCLICAL].mean():.3f} between CLR solutions, "
            f"{heights[REGULAR].mean():.3f} along one regular run ({len(heights[CYCLICAL])} seed(s))",
            compare(heights[CYCLICAL], heights[REGULAR], margin),
            {"height": {run: float(h.mean()) for run, h in heights.items()},
             "runs": how_many(min(len(h) for h in heights.values()))})


def minimum_inside(results, margin):
    where = {run: np.array([lowest_alpha(rows) for rows in lines]) for run, lines in recomputed(results).items()}
    low, high = margin
    return (f"lowest validation loss at alpha {where[CYCLICAL].mean():.1f} between CLR solutions "
            f"({where[REGULAR].mean():.1f} along one regular run; {len(where[CYCLICAL])} seed(s))",
            one_sample(where[CYCLICAL], above=low, below=high),
            {"alpha": {run: float(a.mean()) for run, a in where.items()}, "runs": how_many(len(where[CYCLICAL]))})


BARRIER = Claim(
    "interpolation", PAPER, "A barrier separates the solutions of two CLR cycles, not two states of one run",
    "Fig. 1-2", "barrier height, CLR pair minus regular pair", "beats", arms=arms, measure=barrier,
    says={"held": "the whole interval of the difference lies above zero: a higher barrier between the cycles' "
                  "solutions than between the states of the regular run, as in the paper",
          "contradicted": "the whole interval of the difference lies at or below zero: no higher barrier between "
                          "the cycles' solutions than along the regular run, unlike the paper",
          "inconclusive": "with {runs} of each, the interval of the difference includes zero, so whether the barrier "
                          "between the cycles' solutions is higher than along the regular run, as in the paper, "
                          "stays open"},
    unit="", digits=3)

MINIMUM_INSIDE = Claim(
    "interpolation", PAPER, "The validation-loss minimum lies inside (0, 1) between two CLR solutions",
    "slightly inside (0, 1)", "alpha of the lowest validation loss", "inside", arms=arms, measure=minimum_inside,
    says={"held": "the whole interval of the lowest α lies inside (0, 1), as in the paper",
          "contradicted": "the whole interval of the lowest α lies outside (0, 1), unlike the paper",
          "inconclusive": "with {runs}, the interval of the lowest α reaches outside (0, 1), so whether the "
                          "minimum lies inside the segment, as in the paper, stays open"},
    unit="", digits=2)

CLAIMS = [BARRIER, MINIMUM_INSIDE]


def per_run(barrier, minimum):
    """What the chapter says of each run (`regular`, `cyclical`), from the two claims' decisions:
    its barrier height, the alpha of its lowest validation loss, and whether that lies inside
    (0, 1), as {key: value}, the phrases as Markdown."""
    from IPython.display import Markdown
    out = {}
    for key, run in (("regular", REGULAR), ("cyclical", CYCLICAL)):
        alpha = minimum.details["alpha"][run]
        out[f"barrier_{key}"] = barrier.details["height"][run]
        out[f"best_alpha_{key}"] = alpha
        out[f"inside_{key}"] = Markdown("inside (0, 1)" if 0 < alpha < 1 else "not inside (0, 1)")
    return out


def batchnorm_trap(results):
    """Counts over the `n_points` interpolated models of both lines: how many have a negative
    running variance with interpolated statistics (`negative`; `negative_inside` of them with alpha
    in [0, 1]) and how many give a NaN validation loss with each kind of statistics
    (`nan_interpolated`, `nan_recomputed`); and the regular run's validation loss at its farthest
    alpha (`far_...`) and at alpha = 0 (`zero_...`) with each kind."""
    every = list(lines(results).values())

    def count(kind, column, bad, lo=-np.inf, hi=np.inf):
        return sum(1 for line in every for a, v in zip(line[kind]["alpha"], line[kind][column])
                   if bad(v) and lo <= a <= hi)

    nan, negative = (lambda v: not np.isfinite(v)), (lambda v: v < 0)
    out = {"nan_interpolated": count("interpolated", "valid_loss", nan),
           "nan_recomputed": count("recomputed", "valid_loss", nan),
           "negative": count("interpolated", "min_running_var", negative),
           "n_points": sum(len(line["interpolated"]["alpha"]) for line in every),
           "negative_inside": count("interpolated", "min_running_var", negative, 0, 1)}
    regular = lines(results)[REGULAR]
    for kind in ("interpolated", "recomputed"):
        at = dict(zip(regular[kind]["alpha"], regular[kind]["valid_loss"]))
        out[f"far_{kind}"], out[f"zero_{kind}"] = float(at[min(at)]), float(at[0.0])
    return out
