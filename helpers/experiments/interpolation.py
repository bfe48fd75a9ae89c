"""The interpolation chapter: the loss along the line between two states of a regular run and
between the solutions of two CLR cycles (Smith and Topin 2017), and the average of the cycles'
solutions (stochastic weight averaging, Izmailov et al. 2018)."""
import numpy as np
import pandas as pd

from ..analysis import acc, barrier_height, compare, fmt, lowest_alpha, one_sample
from ..claim import Claim
from ..config import make_config, with_seeds
from ..interpolation import BN_MODES, lines_job
from ..paper import SWA, TOPOLOGY as PAPER
from ..profiles import get_profile

REGULAR, CYCLICAL = "regular run", "cyclical run"
ALPHAS = sorted(set(np.round(np.linspace(-0.5, 1.5, 21), 2)) | {-10.0, -8.0, -6.0, -4.0, -2.0, -1.0, 2.0, 3.0, 4.0})


HIGH = 1.0  # the cyclical run's upper bound: a peak of the super-convergence chapter's sweep


def configs(profile=None):
    """{run: config}: three triangular cycles between 0.1 and `HIGH` (the CLR chapter's step of
    half a budget), and the step schedule of the 1cycle chapter (LR 0.1) for as many epochs."""
    p = get_profile(profile)
    cycle = 2 * max(1, p.epochs // 2)
    common = dict(mom=0.9, wd=1e-4, epochs=3 * cycle)
    return {REGULAR: make_config(p.name, name="ip-step", schedule="step", lr=0.1, **common),
            CYCLICAL: make_config(p.name, name="ip-clr", schedule="triangular", lr=HIGH, base_lr=0.1,
                                  step_epochs=cycle // 2, **common)}


def ends(config):
    """The epochs at which the cycles of the cyclical run end (at the bottom of the LR)."""
    cycle = int(2 * config.step_epochs)
    return list(range(cycle, config.epochs + 1, cycle))


def jobs(config, run):
    """[interpolation job per seed] of `run`'s config: the regular run joined at half time and at
    the end; the cyclical one at the ends of its last two cycles, and the average of every cycle's
    end measured too."""
    if run == REGULAR:
        options = dict(pairs={"line": (config.epochs // 2, config.epochs)})
    else:
        options = dict(pairs={"line": tuple(ends(config)[-2:])}, average=ends(config))
    return [lines_job(c, alphas=ALPHAS, **options) for c in with_seeds(config)]


def arms(profile=None):
    """{run: [its interpolation job per seed]}."""
    return {run: jobs(config, run) for run, config in configs(profile).items()}


def lines(results):
    """{run: its line (epochs joined, interpolated and recomputed rows)} of {run: [result per
    seed]}, the first seed's."""
    return {run: rs[0]["lines"]["line"] for run, rs in results.items()}


def recomputed(results):
    """{run: [the line with BatchNorm statistics recomputed, per seed]}."""
    return {run: [r["lines"]["line"]["recomputed"] for r in rs] for run, rs in results.items()}


def runs_table(results):
    """One row per run, means over the seeds: the epochs its line joins, the distance between
    them relative to the first (`helpers.interpolation.relative_distance`), the run's final
    accuracy (%) and, for the cyclical run, that of the average of its cycles' ends."""
    def row(rs):
        line = rs[0]["lines"]["line"]
        out = {"epochs joined": tuple(line["epochs"]),
               "distance": float(np.mean([r["lines"]["line"]["distance"] for r in rs])),
               "final accuracy (%)": float(np.mean(acc(finals(rs))))}
        if "average" in rs[0]:
            out["average of the cycles' ends (%)"] = float(np.mean(averages(rs)))
        return out
    return pd.DataFrame({run: row(rs) for run, rs in results.items()}).T


def finals(runs):
    """The training results inside interpolation results (for `helpers.analysis.acc`)."""
    return [r["run"] for r in runs]


def averages(runs):
    """The accuracies (%) of the averaged weights of interpolation results, one per seed."""
    return np.array([100 * r["average"]["accuracy"] for r in runs])


def line_findings(results):
    """The glued numbers of the lines, means over the seeds: how far apart each line's ends lie
    (`distance_regular`, `distance_cyclical`, and their ratio) and the cyclical line's validation
    loss at its two ends (`cyclical_start`, `cyclical_end`)."""
    table = runs_table(results)
    rows = recomputed(results)[CYCLICAL]
    at = {a: float(np.mean([dict(zip(r["alpha"], r["valid_loss"]))[a] for r in rows])) for a in (0.0, 1.0)}
    return {"distance_regular": float(table.loc[REGULAR, "distance"]),
            "distance_cyclical": float(table.loc[CYCLICAL, "distance"]),
            "distance_ratio": float(table.loc[CYCLICAL, "distance"] / table.loc[REGULAR, "distance"]),
            "cyclical_start": at[0.0], "cyclical_end": at[1.0]}


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


def lowest(results, column="valid_loss"):
    """{run: [alpha of the lowest loss `column` along its line, per seed]}."""
    return {run: np.array([lowest_alpha(rows, column=column) for rows in lines])
            for run, lines in recomputed(results).items()}


def minimum_inside(results, margin):
    where, low, high = lowest(results), *margin
    inside = {run: one_sample(a, above=low, below=high) for run, a in where.items()}
    return (f"lowest validation loss at alpha {where[CYCLICAL].mean():.1f} between CLR solutions "
            f"({where[REGULAR].mean():.1f} along one regular run; {len(where[CYCLICAL])} seed(s))",
            inside[CYCLICAL],
            {"alpha": {run: float(a.mean()) for run, a in where.items()},
             "inside": {run: c.verdict for run, c in inside.items()},
             "train_alpha": {run: float(a.mean()) for run, a in lowest(results, "train_loss").items()},
             "runs": how_many(len(where[CYCLICAL]))})


def average_table(results):
    """Per seed of the cyclical run: the accuracy (%) of its last cycle's end and of the average
    of every cycle's end, on the run's final images."""
    runs = results[CYCLICAL]
    return pd.DataFrame({"last end (%)": acc(finals(runs)), "average of the ends (%)": averages(runs)},
                        index=pd.Index([r["config"]["seed"] for r in runs], name="seed"))


def averaging(results, margin):
    runs = results[CYCLICAL]
    average, last = averages(runs), acc(finals(runs))
    return (f"average of the {len(runs[0]['average']['epochs'])} cycles' ends {fmt(average)}, the last end "
            f"{fmt(last)}", compare(average, last, margin), {"seeds": len(runs)})


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
    unit="", digits=3,
    section="Valley or barrier")

MINIMUM_INSIDE = Claim(
    "interpolation", PAPER, "The validation-loss minimum lies inside (0, 1) between two CLR solutions",
    "slightly inside (0, 1)", "alpha of the lowest validation loss", "inside", arms=arms, measure=minimum_inside,
    says={"held": "the whole interval of the lowest α lies inside (0, 1), as in the paper",
          "contradicted": "the whole interval of the lowest α lies outside (0, 1), unlike the paper",
          "inconclusive": "with {runs}, the interval of the lowest α reaches outside (0, 1), so whether the "
                          "minimum lies inside the segment, as in the paper, stays open"},
    unit="", digits=2,
    section="Valley or barrier")

AVERAGE = Claim(
    "interpolation", SWA, "Averaging the weights of the cycles' ends beats the last end", "higher test accuracy",
    "accuracy, the average minus the last end (points)", "beats",
    arms=lambda p: {CYCLICAL: arms(p)[CYCLICAL]}, measure=averaging,
    says={"held": "the whole interval lies above zero: the average of the cycles' solutions is more accurate than "
                  "the last of them",
          "contradicted": "the whole interval lies at or below zero: the average of the cycles' solutions is no more "
                          "accurate than the last of them",
          "inconclusive": "the interval includes zero, so at {seeds} seeds the average of the cycles' solutions is "
                          "not shown to be more accurate than the last of them, nor less"},
    section="Averaging the cycles' solutions")

CLAIMS = [BARRIER, MINIMUM_INSIDE, AVERAGE]


def per_run(barrier, minimum):
    """What the chapter says of each run (`regular`, `cyclical`), from the two claims' decisions:
    its barrier height, the alphas of its lowest validation and training losses (means over the
    seeds), and whether the first lies inside (0, 1) by the book's rule; and the largest gap
    between the two alphas of a line (`minima_gap`); as {key: value}, the phrases as Markdown."""
    from IPython.display import Markdown
    words = {"held": "inside (0, 1)", "contradicted": "outside (0, 1)",
             "inconclusive": "not shown inside (0, 1), nor outside"}
    out = {}
    for key, run in (("regular", REGULAR), ("cyclical", CYCLICAL)):
        out[f"barrier_{key}"] = barrier.details["height"][run]
        out[f"best_alpha_{key}"] = minimum.details["alpha"][run]
        out[f"train_alpha_{key}"] = minimum.details["train_alpha"][run]
        out[f"inside_{key}"] = Markdown(words[minimum.details["inside"][run]])
    out["minima_gap"] = max(abs(minimum.details["alpha"][run] - minimum.details["train_alpha"][run])
                            for run in (REGULAR, CYCLICAL))
    return out


def batchnorm_trap(results):
    """Counts over the `n_points` interpolated models of both lines: how many have a negative
    running variance with interpolated statistics (`negative`; `negative_inside` of them with alpha
    in [0, 1]) and how many give a NaN validation loss with each kind of statistics
    (`nan_interpolated`, `nan_recomputed`); and the regular run's validation loss with each kind
    at the farthest alpha below 0 where the interpolated statistics still give a finite loss
    (`far_alpha`, `far_...`) and at alpha = 0 (`zero_...`)."""
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
    at = {kind: dict(zip(regular[kind]["alpha"], regular[kind]["valid_loss"])) for kind in BN_MODES}
    out["far_alpha"] = min(a for a, v in at["interpolated"].items() if np.isfinite(v))
    for kind in BN_MODES:
        out[f"far_{kind}"], out[f"zero_{kind}"] = float(at[kind][out["far_alpha"]]), float(at[kind][0.0])
    return out
