"""The weight-decay chapter: 1cycle over a coarse grid of weight decays, refined around the best
(Smith 2018)."""
from ..analysis import acc, compare, fmt
from ..claim import Claim, seeded
from ..config import cycle_config
from ..paper import DISCIPLINED as PAPER

COARSE = (1e-3, 1e-4, 1e-5, 1e-6, 0.0)


def coarse(profile=None):
    """{weight decay: 1cycle config} of the coarse grid, powers of ten."""
    return {wd: cycle_config(profile, wd=wd) for wd in COARSE}


def wd_1e4(results, margin):
    best = max((w for w in COARSE if w != 1e-4), key=lambda w: acc(results[w]).mean())
    return (f"WD 1e-4 {fmt(acc(results[1e-4]))}; best other value of the coarse grid ({best:g}) "
            f"{fmt(acc(results[best]))}", compare(acc(results[1e-4]), acc(results[best]), margin), {"best": best})


WD_1E4 = Claim(
    "weight_decay", PAPER, "Weight decay 1e-4 suits a ResNet", "1e-4 for ResNet-56 on CIFAR-10",
    "accuracy, 1e-4 minus the best other value (points)", "as good",
    arms=lambda p: seeded(coarse(p)), measure=wd_1e4)

CLAIMS = [WD_1E4]
