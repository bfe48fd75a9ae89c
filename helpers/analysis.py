"""Statistics the chapters and the claims share: smoothing, seed summaries, the book's one rule
for deciding a claim, and measures of a range test or an interpolation line."""
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


def smooth(values, beta=0.98):
    """fastai's smoothing of a loss curve: a debiased exponential moving average."""
    out, avg = [], 0.0
    for i, v in enumerate(values):
        avg = beta * avg + (1 - beta) * v
        out.append(avg / (1 - beta ** (i + 1)))
    return np.array(out)


def acc(results):
    """Final validation accuracies (%) of a list of results."""
    return np.array([100 * r["final"]["accuracy"] for r in results])


def fmt(a):
    """'mean ± std%' of an array of accuracies."""
    return f"{a.mean():.1f} ± {a.std(ddof=1):.1f}%"


LEVEL = 0.95  # the confidence level of every interval in the book
VERDICTS = ("held", "contradicted", "inconclusive")


@dataclass(frozen=True)
class Comparison:
    """A measured difference, its 95% interval, and what the interval says about a claim; when it
    comes from `decide`, also the groups, weights and bounds it was decided on."""
    difference: float
    ci_low: float
    ci_high: float
    verdict: str
    groups: tuple = field(default=(), compare=False, repr=False)
    weights: tuple = field(default=(), compare=False, repr=False)
    bounds: tuple = field(default=(-math.inf, math.inf), compare=False, repr=False)

    def seeds_to_decide(self, most=1000):
        """The seeds per group at which the interval would clear a bound if the groups' means and
        spreads stayed as measured (`seeds_to_decide`); None when no number up to `most` would."""
        return seeds_to_decide(self.groups, self.weights, *self.bounds, most=most)

    def text(self, unit="points", digits=1):
        """E.g. '+1.2 points (95% interval -0.3 to +2.7)'."""
        def signed(x):  # rounded first, so that -0.03 reads +0.0, not -0.0
            return f"{round(x, digits) + 0.0:+.{digits}f}"
        return (f"{signed(self.difference)} {unit} (95% interval {signed(self.ci_low)} to "
                f"{signed(self.ci_high)})").replace("  (", " (")

    def __str__(self):
        return self.text("", 2)


def interval(groups, weights):
    """The difference sum(w * mean(group)) of independent groups (one value per seed) with its
    Welch 95% interval: the t distribution with Welch-Satterthwaite degrees of freedom. A group of
    fewer than two values has no spread to measure, so the interval is unbounded."""
    groups = [np.asarray(g, dtype=float) for g in groups]
    if len(groups) != len(weights):
        raise ValueError(f"weights must have one entry per group ({len(groups)}), got {len(weights)}")
    diff = float(sum(w * g.mean() for w, g in zip(weights, groups)))
    if any(len(g) < 2 for g in groups):
        return diff, -math.inf, math.inf
    parts = [w * w * g.var(ddof=1) / len(g) for w, g in zip(weights, groups)]
    se2 = sum(parts)
    if se2 == 0:
        return diff, diff, diff
    df = se2 ** 2 / sum(p * p / (len(g) - 1) for p, g in zip(parts, groups))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, df) * math.sqrt(se2))
    return diff, diff - half, diff + half


def verdict(ci_low, ci_high, above=-math.inf, below=math.inf):
    """The book's one rule. A claim says a difference lies above `above` (and below `below`):
    held when the whole interval lies there, contradicted when none of it does, inconclusive when
    it straddles a bound."""
    if above >= below:
        raise ValueError(f"above must be less than below, got {above} and {below}")
    if above < ci_low and ci_high < below:
        return "held"
    if ci_high <= above or ci_low >= below:
        return "contradicted"
    return "inconclusive"


def decide(groups, weights, above=-math.inf, below=math.inf):
    """`interval` of a difference of groups, judged by `verdict`."""
    diff, low, high = interval(groups, weights)
    return Comparison(diff, low, high, verdict(low, high, above, below),
                      tuple(tuple(float(x) for x in g) for g in groups), tuple(weights), (above, below))


def seeds_to_decide(groups, weights, above=-math.inf, below=math.inf, most=1000):
    """The smallest number of seeds per group at which the 95% interval of the difference would
    lie wholly on one side of each bound (a verdict, held or contradicted) if every group kept its
    measured mean and spread; None when the difference sits on a bound, a group has no spread to
    measure (fewer than 2 values) or more than `most` seeds would be needed."""
    groups = [np.asarray(g, dtype=float) for g in groups]
    if not groups or any(len(g) < 2 for g in groups):
        return None
    diff = float(sum(w * g.mean() for w, g in zip(weights, groups)))
    for n in range(max(len(g) for g in groups), most + 1):
        parts = [w * w * g.var(ddof=1) / n for w, g in zip(weights, groups)]  # as `interval`, at n seeds
        se2 = sum(parts)
        if se2 == 0:
            return n if diff not in (above, below) else None
        df = se2 ** 2 / sum(p * p / (n - 1) for p in parts)
        half = float(stats.t.ppf(0.5 + LEVEL / 2, df) * math.sqrt(se2))
        if verdict(diff - half, diff + half, above, below) != "inconclusive":
            return n
    return None


def compare(a, b, margin=0.0):
    """The claim "a is larger than b by more than `margin`" (a negative margin: "a is at least as
    good as b, within -margin"), decided on the difference of means mean(a) - mean(b)."""
    return decide([a, b], [1, -1], above=margin)


def one_sample(a, above=-math.inf, below=math.inf):
    """The claim "the mean of `a` lies in (above, below)"."""
    return decide([a], [1], above, below)


def plateau(by_epochs, gain):
    """The length at which training has plateaued: the shortest E of {epochs: accuracies per
    seed} whose doubling, 2E, is also there and is not shown (by `compare`) to gain more than
    `gain` points. None when every doubling measured still gains."""
    for e in sorted(by_epochs):
        if 2 * e in by_epochs and compare(by_epochs[2 * e], by_epochs[e], gain).verdict != "held":
            return e
    return None


def highest_mean(results):
    """The key of {key: [result per seed]} with the highest mean final accuracy."""
    return max(results, key=lambda k: acc(results[k]).mean())


def diverged_runs(results):
    """How many of a list of results diverged (`diverged_at` set)."""
    return sum(r.get("diverged_at") is not None for r in results)


def summary_table(results):
    """Mean, std, min and max of the final accuracy (%) and the number of diverged runs, one row
    per setting of {setting: [result per seed]}."""
    rows = {}
    for name, rs in results.items():
        a = acc(rs)
        rows[name] = {"mean (%)": a.mean(), "std (%)": a.std(ddof=1) if len(a) > 1 else 0.0,
                      "min (%)": a.min(), "max (%)": a.max(),
                      "diverged runs": diverged_runs(rs)}
    return pd.DataFrame.from_dict(rows, orient="index")


def low_range_width(finder, within=0.1):
    """How many times larger the largest LR is than the smallest where a range test's smoothed
    validation loss lies within `within` of its minimum."""
    loss, lr = np.array(smooth(finder["valid_loss"])), np.array(finder["lr"])
    low = lr[loss <= loss.min() + within]
    return float(low.max() / low.min())


def _inside(rows, lo, hi, column="valid_loss"):
    a = np.array(rows["alpha"])
    keep = (a >= lo) & (a <= hi)
    return a[keep], np.array(rows[column])[keep]


def barrier_height(rows):
    """How far the validation loss of a line inside [0, 1] rises above the higher of its two ends."""
    _, loss = _inside(rows, 0, 1)
    return float(loss.max() - max(loss[0], loss[-1]))


def lowest_alpha(rows, lo=-0.5, hi=1.5, column="valid_loss"):
    """The alpha in [lo, hi] where the loss `column` of a line (validation by default) is lowest."""
    a, loss = _inside(rows, lo, hi, column)
    return float(a[int(np.nanargmin(loss))])
