"""Statistics the chapters and the claims share: smoothing, seed summaries, the book's rule for
calling two settings different, and measures of a range test or an interpolation line."""
import numpy as np
import pandas as pd


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


def apart(a, b):
    """The book's rule: two settings differ when their means differ by more than the larger std."""
    return bool(abs(np.mean(a) - np.mean(b)) > max(np.std(a, ddof=1), np.std(b, ddof=1)))


def summary_table(results):
    """Mean, std, min and max of the final accuracy (%) and the number of diverged runs, one row
    per setting of {setting: [result per seed]}."""
    rows = {}
    for name, rs in results.items():
        a = acc(rs)
        rows[name] = {"mean (%)": a.mean(), "std (%)": a.std(ddof=1) if len(a) > 1 else 0.0,
                      "min (%)": a.min(), "max (%)": a.max(),
                      "diverged runs": sum(r.get("diverged_at") is not None for r in rs)}
    return pd.DataFrame.from_dict(rows, orient="index")


def low_range_width(finder, within=0.1):
    """How many times larger the largest LR is than the smallest where a range test's smoothed
    validation loss lies within `within` of its minimum."""
    loss, lr = np.array(smooth(finder["valid_loss"])), np.array(finder["lr"])
    low = lr[loss <= loss.min() + within]
    return float(low.max() / low.min())


def _inside(rows, lo, hi):
    a = np.array(rows["alpha"])
    keep = (a >= lo) & (a <= hi)
    return a[keep], np.array(rows["valid_loss"])[keep]


def barrier_height(rows):
    """How far the validation loss of a line inside [0, 1] rises above the higher of its two ends."""
    _, loss = _inside(rows, 0, 1)
    return float(loss.max() - max(loss[0], loss[-1]))


def lowest_alpha(rows, lo=-0.5, hi=1.5):
    """The alpha in [lo, hi] where the validation loss of a line is lowest."""
    a, loss = _inside(rows, lo, hi)
    return float(a[int(np.nanargmin(loss))])
