"""The CLR chapter: SGD with the triangular policy, bounded by the range test, against a fixed
LR and five adaptive optimizers at their default settings, at equal iterations."""
from ..analysis import acc, compare, fmt
from ..claim import Claim, seeded
from ..config import make_config
from ..paper import CLR as PAPER
from ..profiles import get_profile
from .range_test import peak_lr

TRIANGULAR, FIXED = "SGD + CLR (triangular)", "SGD, fixed LR"
# label: (optimizer, its usual constant LR)
ADAPTIVE = {"Adagrad": ("adagrad", 0.01), "Adadelta": ("adadelta", 1.0), "RMSprop": ("rmsprop", 0.001),
            "Adam": ("adam", 0.001), "Adamax": ("adamax", 0.002)}


def bounds(profile=None):
    """CLR's (base_lr, max_lr): the range test's peak LR, and a quarter of it."""
    max_lr = peak_lr(profile)
    return max_lr / 4, max_lr


def epochs(profile=None):
    p = get_profile(profile)
    return p.epochs + p.epochs // 2


def settings(profile=None):
    """{label: config} of the chapter's seven settings."""
    p = get_profile(profile).name
    base_lr, max_lr = bounds(p)
    common = dict(epochs=epochs(p), wd=1e-4)
    return {
        TRIANGULAR: make_config(p, name="clr-triangular", schedule="triangular", lr=max_lr, base_lr=base_lr,
                                step_epochs=1, mom=0.9, **common),
        FIXED: make_config(p, name="clr-fixed", schedule="constant", lr=(base_lr + max_lr) / 2, mom=0.9,
                           **common),
        **{label: make_config(p, name=f"clr-{opt}", schedule="constant", opt=opt, lr=lr, **common)
           for label, (opt, lr) in ADAPTIVE.items()},
    }


def beats_fixed(results, margin):
    clr, fixed = acc(results[TRIANGULAR]), acc(results[FIXED])
    return f"CLR {fmt(clr)} against fixed {fmt(fixed)}, same iterations", compare(clr, fixed, margin), {}


def as_good_as_adaptive(results, margin):
    clr = acc(results[TRIANGULAR])
    others = {label: acc(results[label]) for label in ADAPTIVE}
    best = max(others, key=lambda label: others[label].mean())
    return (f"CLR {fmt(clr)}; best adaptive ({best}) {fmt(others[best])}", compare(clr, others[best], margin),
            {"best": best})


BEATS_FIXED = Claim(
    "clr", PAPER, "CLR beats a fixed learning rate at equal iterations",
    "CIFAR-10: the fixed LR's 81.4% reached in 25k instead of 70k iterations",
    "accuracy, CLR minus fixed (points)", "beats",
    arms=lambda p: seeded(settings(p), TRIANGULAR, FIXED),
    measure=beats_fixed,
    says={"held": "the whole interval lies above zero, so CLR beats the fixed rate",
          "contradicted": "the whole interval lies at or below zero, so CLR does not beat the fixed rate",
          "inconclusive": "the interval includes zero, so at this number of seeds the two cannot be told apart"},
    sums_up={"held": "beats a fixed learning rate", "contradicted": "does not beat a fixed learning rate",
             "inconclusive": "cannot be told apart from a fixed learning rate at this number of seeds"})

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
             "inconclusive": "whether it is as good as the best adaptive optimizer stays open"})

CLAIMS = [BEATS_FIXED, AS_GOOD_AS_ADAPTIVE]
