"""Every claim of the papers that the book tested: the paper's number beside ours, and the
verdict of the book's one rule (`analysis.verdict`). Ours are computed from the cached results of a
profile (the chapters' runs), never typed.

Each claim is a measured difference over seeds with its 95% interval, and a bound from `MARGINS`
that the difference must clear: held when the whole interval clears it, contradicted when none of
it does, inconclusive when it straddles. `claims_table(profile)` returns one row per claim;
`tests/test_claims.py` checks each row against the committed cpu results, and the last chapter
shows the table.
"""
import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import (acc, barrier_height, compare, decide, fmt, low_range_width, lowest_alpha,
                       one_sample, plateau, smooth)
from .runs import results_named as runs

# The bound each claim's difference must clear, and why. Accuracies are in points (%).
MARGINS = {
    "beats": (0.0, "X beats Y: any difference, as long as the whole interval is above zero."),
    "as good": (-0.5, "X is as good as Y: X may trail by at most half a point, about the seed "
                      "spread of one setting at this scale and the size of difference the papers "
                      "call 'as good'."),
    "falling": (0.0, "Still falling: the last epoch lowers the validation loss by more than zero."),
    "rises": (0.0, "Turns up: the validation loss at the end exceeds its lowest stretch (judged "
                   "on the other seeds, so the choice of stretch does not favour the claim)."),
    "plateau": (0.5, "A schedule has plateaued when doubling its training is no longer shown to "
                     "gain more than half a point."),
    "top of range": (0.9, "Trains up to the top: the accuracy peaks in the last tenth of the "
                          "range, as a fraction of its largest LR."),
    "inside": ((0.0, 1.0), "Inside (0, 1): the whole interval of the lowest alpha lies between "
                           "the two solutions."),
}


def _margin(kind):
    return MARGINS[kind][0]


def clr_vs_fixed(p):
    clr, fixed = acc(runs(p, "clr-triangular")), acc(runs(p, "clr-fixed"))
    return f"CLR {fmt(clr)} against fixed {fmt(fixed)}, same iterations", compare(clr, fixed, _margin("beats"))


def clr_vs_adaptive(p):
    clr = acc(runs(p, "clr-triangular"))
    others = {n: acc(runs(p, f"clr-{n.lower()}")) for n in ("Adagrad", "Adadelta", "RMSprop", "Adam", "Adamax")}
    best = max(others, key=lambda n: others[n].mean())
    return (f"CLR {fmt(clr)}; best adaptive ({best}) {fmt(others[best])}",
            compare(clr, others[best], _margin("as good")))


def underfitting(p):
    small, balanced = runs(p, "fit-const-small-lr"), acc(runs(p, "fit-const-balanced"))
    drop = [r["history"]["epoch"]["valid_loss"][-2] - r["history"]["epoch"]["valid_loss"][-1] for r in small]
    return (f"LR too small: the last epoch lowers the validation loss by {np.mean(drop):.3f}; accuracy "
            f"{fmt(acc(small))} against {fmt(balanced)}", one_sample(drop, above=_margin("falling")))


def overfitting_rise(curves):
    """Per seed: its validation loss over the last 5 epochs minus its loss over the 5 epochs where
    the other seeds' mean curve is lowest (leave one seed out, so the stretch is not picked on the
    seed's own noise)."""
    curves = np.asarray(curves, dtype=float)
    rises = []
    for i, c in enumerate(curves):
        others = np.delete(curves, i, axis=0).mean(axis=0)
        window = np.convolve(others, np.ones(5) / 5, mode="valid")
        start = int(np.argmin(window))
        rises.append(c[-5:].mean() - c[start:start + 5].mean())
    return np.array(rises)


def overfitting(p):
    curves = [r["history"]["epoch"]["valid_loss"] for r in runs(p, "fit-over-a")]
    rise = overfitting_rise(curves)
    best = [int(np.argmin(c)) + 1 for c in curves]
    return (f"1,000 images: validation loss lowest at epochs {min(best)}-{max(best)} of {len(curves[0])}; "
            f"the last 5 epochs {rise.mean():+.3f} above the lowest stretch", one_sample(rise, above=_margin("rises")))


def wd_finders(p):
    finders = {wd: runs(p, "fit-finder", wd=wd) for wd in (1e-4, 4e-3)}
    lowest = {wd: np.array([min(smooth(f["valid_loss"])) for f in fs]) for wd, fs in finders.items()}
    width = {wd: np.array([math.log10(low_range_width(f)) for f in fs]) for wd, fs in finders.items()}
    return lowest, width


def wd_range_lower(p):
    lowest, _ = wd_finders(p)
    return (f"lowest validation loss {lowest[1e-4].mean():.3f} ± {lowest[1e-4].std(ddof=1):.3f} (WD 1e-4) "
            f"against {lowest[4e-3].mean():.3f} ± {lowest[4e-3].std(ddof=1):.3f} (WD 4e-3)",
            compare(lowest[1e-4], lowest[4e-3], _margin("beats")))


def wd_range_wider(p):
    _, width = wd_finders(p)
    return (f"low over an LR range of {10 ** np.median(width[4e-3]):.0f}x (WD 4e-3) against "
            f"{10 ** np.median(width[1e-4]):.0f}x (WD 1e-4); difference in decades",
            compare(width[4e-3], width[1e-4], _margin("beats")))


def large_lrs(p):
    finders = runs(p, "sc-wide-finder")
    where = [f["lr"][int(np.argmax(smooth(f["valid_metrics"]["accuracy"])))] / f["lr"][-1] for f in finders]
    return (f"smoothed accuracy highest at {np.median(where):.2f} of a 0-{finders[0]['lr'][-1]:.0f} linear range",
            one_sample(where, above=_margin("top of range")))


STEP_LRS = (0.1, 0.4)  # the step schedule's starting LRs: He et al.'s and the cycle's peak
PEAKS = (0.1, 0.2, 0.4, 1.0, 2.0, 3.0)  # the cycle's peak LRs of the super-convergence sweep
STEP_LONGEST = 4  # the step schedule is doubled up to this many times the profile's budget


def step_runs(p, lr, epochs, **config):
    return runs(p, f"sc-step-{lr:g}", epochs=epochs, **config)


def best_step_lr(p):
    """The better starting LR of the step schedule at twice the profile's budget."""
    return max(STEP_LRS, key=lambda lr: acc(step_runs(p, lr, 2 * cycle_epochs(p), n_train=profile_n(p))).mean())


def step_plateau(p):
    """The better step schedule's plateau (`analysis.plateau` of its cached lengths) and its
    results there; the longest length trained when no plateau was reached."""
    lr, budget = best_step_lr(p), cycle_epochs(p)
    by_epochs, e = {}, 2 * budget
    while e <= STEP_LONGEST * budget:
        try:
            by_epochs[e] = step_runs(p, lr, e, n_train=profile_n(p))
        except LookupError:  # the chapter stopped doubling before this length
            break
        e *= 2
    e = plateau({e: acc(rs) for e, rs in by_epochs.items()}, _margin("plateau")) or max(by_epochs)
    return lr, e, by_epochs[e]


def cycle_runs(p, epochs, **config):
    return runs(p, "engine-1cycle" if epochs == cycle_epochs(p) and not config else
                "cycle-" + "-".join(f"{k}{v}" for k, v in sorted({"epochs": epochs, **config}.items())),
                epochs=epochs, **config)


def short_cycle(p):
    lr, e, step = step_plateau(p)
    cycle = cycle_runs(p, max(1, e // 8))
    return (f"1cycle {fmt(acc(cycle))} in {iters(cycle)} iterations; step schedule (LR {lr:g}) at its plateau "
            f"{fmt(acc(step))} in {iters(step)}", compare(acc(cycle), acc(step), _margin("as good")))


def less_data(p):
    n, budget, lr = profile_n(p), cycle_epochs(p), best_step_lr(p)
    # equal iterations: a quarter of the images for four times the epochs
    groups = {n // 4: (acc(cycle_runs(p, 4 * budget, n_train=n // 4)),
                       acc(step_runs(p, lr, 8 * budget, n_train=n // 4))),
              n: (acc(cycle_runs(p, budget)), acc(step_runs(p, lr, 2 * budget, n_train=n)))}
    gap = {size: c.mean() - s.mean() for size, (c, s) in groups.items()}
    return (f"1cycle minus step at equal iterations: {gap[n // 4]:+.1f} points with {n // 4} images, "
            f"{gap[n]:+.1f} with {n}", decide([*groups[n // 4], *groups[n]], [1, -1, -1, 1], above=_margin("beats")))


def large_peaks(p):
    book = acc(runs(p, "engine-1cycle"))
    high = {peak: acc(runs(p, f"cycle-lr{peak:g}")) for peak in PEAKS if peak >= 1}
    best = max(high, key=lambda peak: high[peak].mean())
    return (f"best peak of {best:g} or more: {best:g}, {fmt(high[best])}; peak 0.4 {fmt(book)}",
            compare(high[best], book, _margin("beats")))


def adam_cycle(p):
    adam, sgd = acc(runs(p, "sc-adam")), acc(runs(p, "engine-1cycle"))
    return f"1cycle with Adam {fmt(adam)}, with SGD {fmt(sgd)}", compare(sgd, adam, _margin("beats"))


def cyclical_momentum(p):
    cyc = acc(runs(p, "engine-1cycle"))
    constants = {m: acc(runs(p, name)) for m, name in
                 ((0.99, "cycle-mom0.99-mom_min0.99"), (0.9, "cycle-mom0.9-mom_min0.9"), (0.85, "cycle-mom0.85"))}
    best = max(constants, key=lambda m: constants[m].mean())
    return (f"0.95-0.85 {fmt(cyc)}; best constant ({best}) {fmt(constants[best])}",
            compare(cyc, constants[best], _margin("as good")))


def wd_1e4(p):
    grid = {wd: acc(runs(p, "engine-1cycle" if wd == 1e-4 else f"cycle-wd{wd:g}"))
            for wd in (1e-3, 1e-4, 1e-5, 1e-6, 0.0)}
    best = max((w for w in grid if w != 1e-4), key=lambda w: grid[w].mean())
    return (f"WD 1e-4 {fmt(grid[1e-4])}; best other value of the coarse grid ({best:g}) {fmt(grid[best])}",
            compare(grid[1e-4], grid[best], _margin("as good")))


def interpolation_lines(p):
    return {name: [r["lines"]["line"]["recomputed"] for r in runs(p, f"ip-{kind}-lines")] for name, kind in
            (("regular", "step"), ("cyclical", "clr"))}


def barrier(p):
    heights = {name: np.array([barrier_height(rows) for rows in lines])
               for name, lines in interpolation_lines(p).items()}
    return (f"validation-loss barrier {heights['cyclical'].mean():.3f} between CLR solutions, "
            f"{heights['regular'].mean():.3f} along one regular run ({len(heights['cyclical'])} seed(s))",
            compare(heights["cyclical"], heights["regular"], _margin("beats")))


def minimum_inside(p):
    where = {name: np.array([lowest_alpha(rows) for rows in lines])
             for name, lines in interpolation_lines(p).items()}
    low, high = _margin("inside")
    return (f"lowest validation loss at alpha {where['cyclical'].mean():.1f} between CLR solutions "
            f"({where['regular'].mean():.1f} along one regular run; {len(where['cyclical'])} seed(s))",
            one_sample(where["cyclical"], above=low, below=high))


def cycle_epochs(p):
    return runs(p, "engine-1cycle")[0]["config"]["epochs"]


def profile_n(p):
    return runs(p, "engine-1cycle")[0]["config"]["n_train"]


def iters(results):
    return len(results[0]["history"]["iteration"]["lr"])


CLR, SC = "Cyclical Learning Rates (2015)", "Super-Convergence (2017)"
TOPOLOGY, DISCIPLINED = "Exploring loss function topology (2017)", "A disciplined approach (2018)"
# chapter, paper, claim, the paper's number, the difference measured, its margin (MARGINS), measure
CLAIMS = [
    ("clr", CLR, "CLR beats a fixed learning rate at equal iterations",
     "CIFAR-10: the fixed LR's 81.4% reached in 25k instead of 70k iterations",
     "accuracy, CLR minus fixed (points)", "beats", clr_vs_fixed),
    ("clr", CLR, "SGD with CLR is competitive with adaptive optimizers", "CIFAR-10: CLR as good as Adam, RMSprop, ...",
     "accuracy, CLR minus the best adaptive (points)", "as good", clr_vs_adaptive),
    ("fitting", DISCIPLINED, "A too small LR underfits: the validation loss is still falling",
     "Fig. 3 (CIFAR-10, ResNet-56)", "validation loss, second-last minus last epoch", "falling", underfitting),
    ("fitting", DISCIPLINED, "Overfitting shows as a validation loss that turns up", "Fig. 2",
     "validation loss, last 5 epochs minus the lowest 5", "rises", overfitting),
    ("fitting", DISCIPLINED, "In a range test, a larger WD gives a lower validation loss",
     "Fig. 4a: 4e-3 against 1e-4", "lowest validation loss, WD 1e-4 minus WD 4e-3", "beats", wd_range_lower),
    ("fitting", DISCIPLINED, "In a range test, a larger WD keeps the loss low over a wider LR range",
     "Fig. 4a: 4e-3 against 1e-4", "decades of LR near the lowest loss, WD 4e-3 minus WD 1e-4", "beats",
     wd_range_wider),
    ("one_cycle", SC, "Very large learning rates still train (linear range test)", "ResNet-56: accuracy high up to LR 3",
     "where the accuracy peaks, as a fraction of the largest LR", "top of range", large_lrs),
    ("one_cycle", SC, "A cycle with an eighth of the iterations is as good as a step schedule at its plateau",
     "92.4% in 10k iterations against 91.2% in 80k", "accuracy, 1cycle minus step (points)", "as good", short_cycle),
    ("one_cycle", SC, "Cycling to a peak LR of 1 or more beats a moderate peak",
     "one cycle to LR 3: 92.4% against 91.2% for the step schedule", "accuracy, best peak >= 1 minus peak 0.4 (points)",
     "beats", large_peaks),
    ("one_cycle", SC, "The advantage of the cycle grows as the training set shrinks", "Fig. 5a, CIFAR-10 subsets",
     "(1cycle minus step) with a quarter of the data, minus the same with all, equal iterations", "beats",
     less_data),
    ("one_cycle", "fastai forum (use_clr_beta)", "1cycle works badly with Adam", "reported, no number",
     "accuracy, SGD minus Adam (points)", "beats", adam_cycle),
    ("momentum", DISCIPLINED, "Cyclical momentum 0.95-0.85 is at least as good as the best constant momentum",
     "as good or slightly better", "accuracy, cyclical minus the best constant (points)", "as good",
     cyclical_momentum),
    ("weight_decay", DISCIPLINED, "Weight decay 1e-4 suits a ResNet", "1e-4 for ResNet-56 on CIFAR-10",
     "accuracy, 1e-4 minus the best other value (points)", "as good", wd_1e4),
    ("interpolation", TOPOLOGY, "A barrier separates the solutions of two CLR cycles, not two states of one run",
     "Fig. 1-2", "barrier height, CLR pair minus regular pair", "beats", barrier),
    ("interpolation", TOPOLOGY, "The validation-loss minimum lies inside (0, 1) between two CLR solutions",
     "slightly inside (0, 1)", "alpha of the lowest validation loss", "inside", minimum_inside),
]


BOOK_DIR = Path(__file__).resolve().parent.parent / "book"


@cache
def chapter_title(name):
    """The title (first heading) of the chapter notebook `book/<name>.ipynb`."""
    first_cell = json.loads((BOOK_DIR / f"{name}.ipynb").read_text())["cells"][0]
    return "".join(first_cell["source"]).splitlines()[0].lstrip("#").strip()


def claims_table(profile="cpu"):
    """One row per claim: chapter, paper, claim, the paper's number, ours, the difference that
    decides it with its 95% interval (`ci_low`, `ci_high`), the margin it must clear, and the
    verdict: held, contradicted or inconclusive."""
    rows = []
    for chapter, paper, claim, theirs, measured, kind, measure in CLAIMS:
        ours, result = measure(profile)
        margin = MARGINS[kind][0]
        rows.append({"chapter": chapter_title(chapter), "paper": paper, "claim": claim, "paper's number": theirs,
                     f"ours ({profile})": ours, "difference of": measured, "difference": result.difference,
                     "ci_low": result.ci_low, "ci_high": result.ci_high,
                     "margin": f"in ({margin[0]:g}, {margin[1]:g})" if isinstance(margin, tuple) else f"> {margin:g}",
                     "verdict": result.verdict})
    return pd.DataFrame(rows)


def margins_table():
    """The margins the claims' differences must clear, each with its reason."""
    return pd.DataFrame([{"margin": kind, "bound": value, "why": why} for kind, (value, why) in MARGINS.items()])
