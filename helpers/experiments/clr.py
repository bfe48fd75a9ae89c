"""The CLR chapter: SGD with Smith's three cyclical policies, bounded by the range test, against
a fixed LR with the late drops of the paper's CIFAR-10 solver and five adaptive optimizers at
their default settings, at equal iterations; and the fixed LR's accuracy in half the iterations."""
import numpy as np

from ..analysis import acc, compare, fmt
from ..claim import Claim, seeded
from ..config import make_config
from ..paper import CLR as PAPER
from ..profiles import get_profile
from .range_test import peak_lr

TRIANGULAR, TRIANGULAR2, EXP_RANGE = (f"SGD + CLR ({mode})" for mode in ("triangular", "triangular2", "exp_range"))
POLICIES = {TRIANGULAR: "triangular", TRIANGULAR2: "triangular2", EXP_RANGE: "exp_range"}
FIXED_BASE, FIXED_MAX = "SGD, fixed at base_lr", "SGD, fixed at max_lr"
FIXED = (FIXED_BASE, FIXED_MAX)
# label: (optimizer, its usual constant LR)
ADAPTIVE = {"Adagrad": ("adagrad", 0.01), "Adadelta": ("adadelta", 1.0), "RMSprop": ("rmsprop", 0.001),
            "Adam": ("adam", 0.001), "Adamax": ("adamax", 0.002)}
# Caffe's CIFAR-10 solver, the paper's fixed baseline: its LR drops tenfold at 60k and at 65k of 70k iterations
LATE_DROPS = (60 / 70, 65 / 70)
CYCLES = 2
EXP_RANGE_END = 0.25  # exp_range: the amplitude left at the end of the run


def bounds(profile=None):
    """CLR's (base_lr, max_lr): the book's peak LR (`range_test.peak_lr`), and a quarter of it."""
    max_lr = peak_lr(profile)
    return max_lr / 4, max_lr


def step_epochs(profile=None):
    """A half cycle: half the profile's budget, at most 8 epochs (the paper advises 2 to 10)."""
    return min(get_profile(profile).epochs / 2, 8)


def epochs(profile=None):
    """`CYCLES` whole cycles."""
    return round(2 * CYCLES * step_epochs(profile))


def settings(profile=None):
    """{label: config} of the chapter's ten settings."""
    p = get_profile(profile)
    base_lr, max_lr = bounds(p.name)
    common = dict(epochs=epochs(p.name), wd=1e-4)
    iterations = epochs(p.name) * (p.n_train // p.batch_size)
    cyclical = dict(lr=max_lr, base_lr=base_lr, step_epochs=step_epochs(p.name), mom=0.9, **common)
    return {
        **{label: make_config(p.name, name=f"clr-{mode}", schedule=mode, **cyclical,
                              clr_gamma=EXP_RANGE_END ** (1 / iterations) if mode == "exp_range" else 1.0)
           for label, mode in POLICIES.items()},
        **{label: make_config(p.name, name=f"clr-fixed-{lr:.3g}", schedule="step", lr=lr, steps=LATE_DROPS,
                              mom=0.9, **common)
           for label, lr in ((FIXED_BASE, base_lr), (FIXED_MAX, max_lr))},
        **{label: make_config(p.name, name=f"clr-{opt}", schedule="constant", opt=opt, lr=lr, **common)
           for label, (opt, lr) in ADAPTIVE.items()},
    }


def best_fixed(results):
    """The fixed LR with the higher mean final accuracy."""
    return max(FIXED, key=lambda label: acc(results[label]).mean())


def epoch_acc(results, epoch):
    """Validation accuracies (%) after `epoch` (1-based) of each result, on the images the epochs
    are validated on."""
    return np.array([100 * r["history"]["epoch"]["accuracy"][epoch - 1] for r in results])


def beats_fixed(results, margin):
    better = best_fixed(results)
    clr, fixed = acc(results[TRIANGULAR]), acc(results[better])
    return (f"CLR {fmt(clr)} against fixed {fmt(fixed)}, same iterations", compare(clr, fixed, margin),
            {"fixed": better})


def half_the_iterations(results, margin):
    """Triangular CLR at the end of its first cycle against the better fixed LR at its end, both
    after an epoch's validation (the same images)."""
    clr_runs, fixed = results[TRIANGULAR], best_fixed(results)
    total = len(clr_runs[0]["history"]["epoch"]["accuracy"])
    clr, end = epoch_acc(clr_runs, total // CYCLES), epoch_acc(results[fixed], total)
    return (f"CLR after {total // CYCLES} epochs {fmt(clr)}, fixed after {total} {fmt(end)}",
            compare(clr, end, margin), {"fixed": fixed, "epochs": total // CYCLES, "total": total})


def as_good_as_adaptive(results, margin):
    clr = acc(results[TRIANGULAR])
    others = {label: acc(results[label]) for label in ADAPTIVE}
    best = max(others, key=lambda label: others[label].mean())
    return (f"CLR {fmt(clr)}; best adaptive ({best}) {fmt(others[best])}", compare(clr, others[best], margin),
            {"best": best})


def against_fixed(profile=None):
    """The arms of the claims against the fixed LR: the triangular CLR and both fixed rates."""
    return seeded(settings(profile), TRIANGULAR, *FIXED)


BEATS_FIXED = Claim(
    "clr", PAPER, "CLR beats a fixed learning rate at equal iterations",
    "CIFAR-10, 70k iterations: triangular2 and exp_range above the fixed LR's 81.4%",
    "accuracy, CLR minus the better fixed LR (points)", "beats",
    arms=against_fixed, measure=beats_fixed,
    says={"held": "the whole interval lies above zero, so CLR beats the fixed rate",
          "contradicted": "the whole interval lies at or below zero, so CLR does not beat the fixed rate",
          "inconclusive": "the interval includes zero, so at this number of seeds the two cannot be told apart"},
    sums_up={"held": "beats a fixed learning rate", "contradicted": "does not beat a fixed learning rate",
             "inconclusive": "cannot be told apart from a fixed learning rate at this number of seeds"},
    section="CLR against a fixed learning rate and the adaptive optimizers")

HALF_THE_ITERATIONS = Claim(
    "clr", PAPER, "CLR reaches the fixed learning rate's accuracy in half the iterations",
    "CIFAR-10: the fixed LR's 81.4% reached in 25k instead of 70k iterations",
    "accuracy, CLR at half the iterations minus the better fixed LR at all (points)", "as good",
    arms=against_fixed, measure=half_the_iterations,
    says={"held": "the whole interval lies above {margin:g} points, so CLR needs at most half the iterations",
          "contradicted": "the whole interval lies at or below {margin:g} points, so after half the iterations "
                          "CLR is still behind",
          "inconclusive": "the interval straddles {margin:g} points, so at this number of seeds it cannot say "
                          "whether half the iterations suffice"},
    sums_up={"held": "reaches it in half the iterations", "contradicted": "needs more than half the iterations",
             "inconclusive": "whether half the iterations suffice stays open"},
    section="CLR against a fixed learning rate and the adaptive optimizers")

AS_GOOD_AS_ADAPTIVE = Claim(
    "clr", PAPER, "SGD with CLR is competitive with adaptive optimizers", "CIFAR-10: CLR as good as Adam, RMSprop, ...",
    "accuracy, CLR minus the best adaptive (points)", "as good",
    arms=lambda p: seeded(settings(p), TRIANGULAR, *ADAPTIVE),
    measure=as_good_as_adaptive,
    says={"held": "the whole interval lies above {margin:g} points, so CLR is as good as {best}",
          "contradicted": "the whole interval lies at or below {margin:g} points, so CLR trails {best} by more "
                          "than the margin",
          "inconclusive": "the interval reaches below {margin:g} points, so at this number of seeds it cannot "
                          "say whether CLR is as good as {best}"},
    sums_up={"held": "it is as good as the best adaptive optimizer",
             "contradicted": "it falls behind the best adaptive optimizer by more than the margin",
             "inconclusive": "whether it is as good as the best adaptive optimizer stays open"},
    section="CLR against a fixed learning rate and the adaptive optimizers")

CLAIMS = [BEATS_FIXED, HALF_THE_ITERATIONS, AS_GOOD_AS_ADAPTIVE]
