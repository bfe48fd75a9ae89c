"""Every claim of the papers that the book tested: the paper's number beside ours, and whether
it held. Ours are computed from the cached results of a profile (the chapters' runs), never typed.

`claims_table(profile)` returns one row per claim; `tests/test_claims.py` checks each row's
verdict against the committed cpu results, and the last chapter shows the table.
"""
import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import acc, apart, barrier_height, fmt, low_range_width, lowest_alpha, smooth
from .runs import results_named as runs


def clr_vs_fixed(p):
    clr, fixed = acc(runs(p, "clr-triangular")), acc(runs(p, "clr-fixed"))
    return f"CLR {fmt(clr)} against fixed {fmt(fixed)}, same iterations", clr.mean() > fixed.mean() and apart(clr, fixed)


def clr_vs_adaptive(p):
    clr = acc(runs(p, "clr-triangular"))
    others = {n: acc(runs(p, f"clr-{n.lower()}")) for n in ("Adagrad", "Adadelta", "RMSprop", "Adam", "Adamax")}
    best = max(others, key=lambda n: others[n].mean())
    held = clr.mean() >= others[best].mean() or not apart(clr, others[best])
    return f"CLR {fmt(clr)}; best adaptive ({best}) {fmt(others[best])}", held


def underfitting(p):
    small, balanced = runs(p, "fit-const-small-lr"), acc(runs(p, "fit-const-balanced"))
    falling = all(r["history"]["epoch"]["valid_loss"][-1] < r["history"]["epoch"]["valid_loss"][-2] for r in small)
    return (f"LR too small: validation loss still falling at the end, {fmt(acc(small))} against "
            f"{fmt(balanced)}", falling and acc(small).mean() < balanced.mean())


def overfitting(p):
    curves = [r["history"]["epoch"]["valid_loss"] for r in runs(p, "fit-over-a")]
    best = [int(np.argmin(c)) + 1 for c in curves]
    rise = [c[-1] / min(c) for c in curves]
    return (f"1,000 images: validation loss lowest at epochs {min(best)}-{max(best)} of {len(curves[0])}, "
            f"then {np.mean(rise):.1f}x higher at the end", all(b < len(c) - 5 for b, c in zip(best, curves)))


def wd_range_test(p):
    finders = {wd: runs(p, "fit-finder", wd=wd) for wd in (1e-4, 4e-3)}
    lowest = {wd: np.array([min(smooth(f["valid_loss"])) for f in fs]) for wd, fs in finders.items()}
    width = {wd: np.median([low_range_width(f) for f in fs]) for wd, fs in finders.items()}
    lower = lowest[4e-3].mean() < lowest[1e-4].mean() and apart(lowest[1e-4], lowest[4e-3])
    return (f"lowest validation loss {lowest[1e-4].mean():.3f} ± {lowest[1e-4].std(ddof=1):.3f} (WD 1e-4) against "
            f"{lowest[4e-3].mean():.3f} ± {lowest[4e-3].std(ddof=1):.3f} (WD 4e-3); low over an LR range of "
            f"{width[1e-4]:.0f}x against {width[4e-3]:.0f}x", bool(lower and width[4e-3] > width[1e-4]))


def large_lrs(p):
    peaks = [f["lr"][int(np.argmax(smooth(f["valid_metrics"]["accuracy"])))] for f in runs(p, "sc-wide-finder")]
    end = runs(p, "sc-wide-finder")[0]["lr"][-1]
    return f"smoothed accuracy highest at LR {np.median(peaks):.2f} of a 0-{end:.0f} linear range", np.median(peaks) >= 0.9 * end


def short_cycle(p):
    cycle = acc(runs(p, "engine-1cycle"))
    steps = [runs(p, f"sc-step-{lr}", epochs=2 * cycle_epochs(p), n_train=profile_n(p)) for lr in (0.1, 0.4)]
    step = max((acc(s) for s in steps), key=np.mean)
    return (f"1cycle {fmt(cycle)} in {iters(p, 'engine-1cycle')} iterations; step schedule {fmt(step)} in twice "
            f"as many", cycle.mean() >= step.mean())


def less_data(p):
    n = profile_n(p)
    step_lr = max((0.1, 0.4), key=lambda lr: acc(runs(p, f"sc-step-{lr}", epochs=2 * cycle_epochs(p), n_train=n)).mean())
    gaps = {}
    for size in (n // 4, n):
        cycle = runs(p, "engine-1cycle") if size == n else runs(p, f"cycle-n_train{size}")
        gaps[size] = acc(cycle).mean() - acc(runs(p, f"sc-step-{step_lr}", epochs=2 * cycle_epochs(p), n_train=size)).mean()
    return (f"1cycle minus step: {gaps[n // 4]:+.1f} points with {n // 4} images, {gaps[n]:+.1f} with {n}",
            gaps[n // 4] > gaps[n])


def adam_cycle(p):
    adam, sgd = acc(runs(p, "sc-adam")), acc(runs(p, "engine-1cycle"))
    return f"1cycle with Adam {fmt(adam)}, with SGD {fmt(sgd)}", bool(adam.mean() < sgd.mean() and apart(adam, sgd))


def cyclical_momentum(p):
    cyc = acc(runs(p, "engine-1cycle"))
    constants = {m: acc(runs(p, name)) for m, name in
                 ((0.99, "cycle-mom0.99-mom_min0.99"), (0.9, "cycle-mom0.9-mom_min0.9"), (0.85, "cycle-mom0.85"))}
    best = max(constants, key=lambda m: constants[m].mean())
    return (f"0.95-0.85 {fmt(cyc)}; best constant ({best}) {fmt(constants[best])}",
            cyc.mean() >= constants[best].mean() or not apart(cyc, constants[best]))


def wd_1e4(p):
    grid = {wd: acc(runs(p, "engine-1cycle" if wd == 1e-4 else f"cycle-wd{wd:g}"))
            for wd in (1e-3, 1e-4, 1e-5, 1e-6, 0.0)}
    best = max(grid, key=lambda w: grid[w].mean())
    return (f"WD 1e-4 {fmt(grid[1e-4])}; best of the coarse grid ({best:g}) {fmt(grid[best])}",
            best == 1e-4 or not apart(grid[1e-4], grid[best]))


def interpolation_lines(p):
    return {name: runs(p, f"ip-{kind}-lines")[0]["lines"]["line"]["recomputed"] for name, kind in
            (("regular", "step"), ("cyclical", "clr"))}


def barrier(p):
    heights = {name: barrier_height(rows) for name, rows in interpolation_lines(p).items()}
    return (f"validation-loss barrier {heights['cyclical']:.3f} between CLR solutions, {heights['regular']:.3f} "
            f"along one regular run", heights["cyclical"] > max(heights["regular"], 0))


def minimum_inside(p):
    where = {name: lowest_alpha(rows) for name, rows in interpolation_lines(p).items()}
    return (f"lowest validation loss at alpha {where['cyclical']:.1f} between CLR solutions "
            f"({where['regular']:.1f} along one regular run)", 0 < where["cyclical"] < 1)


def cycle_epochs(p):
    return runs(p, "engine-1cycle")[0]["config"]["epochs"]


def profile_n(p):
    return runs(p, "engine-1cycle")[0]["config"]["n_train"]


def iters(p, name):
    return len(runs(p, name)[0]["history"]["iteration"]["lr"])


CLR, SC = "Cyclical Learning Rates (2015)", "Super-Convergence (2017)"
TOPOLOGY, DISCIPLINED = "Exploring loss function topology (2017)", "A disciplined approach (2018)"
CLAIMS = [
    ("clr", CLR, "CLR beats a fixed learning rate at equal iterations",
     "CIFAR-10: the fixed LR's 81.4% reached in 25k instead of 70k iterations", clr_vs_fixed),
    ("clr", CLR, "SGD with CLR is competitive with adaptive optimizers", "CIFAR-10: CLR as good as Adam, RMSprop, ...", clr_vs_adaptive),
    ("fitting", DISCIPLINED, "A too small LR underfits: the validation loss is still falling", "Fig. 2 (CIFAR-10, ResNet-56)", underfitting),
    ("fitting", DISCIPLINED, "Overfitting shows as a validation loss that turns up", "Fig. 3", overfitting),
    ("fitting", DISCIPLINED, "In a range test, a larger WD gives a lower validation loss over a wider LR range",
     "Fig. 4a: 4e-3 against 1e-4", wd_range_test),
    ("one_cycle", SC, "Very large learning rates still train (linear range test)", "ResNet-56: accuracy high up to LR 3", large_lrs),
    ("one_cycle", SC, "One short cycle beats a step schedule given many more iterations",
     "92.4% in 10k iterations against 91.2% in 80k", short_cycle),
    ("one_cycle", SC, "The advantage of the cycle grows as the training set shrinks", "Fig. 5a, CIFAR-10 subsets", less_data),
    ("one_cycle", "fastai forum (use_clr_beta)", "1cycle works badly with Adam", "reported, no number", adam_cycle),
    ("momentum", DISCIPLINED, "Cyclical momentum 0.95-0.85 is at least as good as the best constant momentum",
     "as good or slightly better", cyclical_momentum),
    ("weight_decay", DISCIPLINED, "Weight decay 1e-4 suits a ResNet", "1e-4 for ResNet-56 on CIFAR-10", wd_1e4),
    ("interpolation", TOPOLOGY, "A barrier separates the solutions of two CLR cycles, not two states of one run",
     "Fig. 1-2", barrier),
    ("interpolation", TOPOLOGY, "The validation-loss minimum lies inside (0, 1) between two CLR solutions",
     "slightly inside (0, 1)", minimum_inside),
]


BOOK_DIR = Path(__file__).resolve().parent.parent / "book"


@cache
def chapter_title(name):
    """The title (first heading) of the chapter notebook `book/<name>.ipynb`."""
    first_cell = json.loads((BOOK_DIR / f"{name}.ipynb").read_text())["cells"][0]
    return "".join(first_cell["source"]).splitlines()[0].lstrip("#").strip()


def claims_table(profile="cpu"):
    """One row per claim: chapter, paper, claim, the paper's number, ours, and whether it held."""
    rows = []
    for chapter, paper, claim, theirs, measure in CLAIMS:
        ours, held = measure(profile)
        rows.append({"chapter": chapter_title(chapter), "paper": paper, "claim": claim, "paper's number": theirs,
                     f"ours ({profile})": ours, "held": "yes" if held else "no"})
    return pd.DataFrame(rows)
