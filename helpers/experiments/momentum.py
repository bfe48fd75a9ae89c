"""The momentum chapter: 1cycle with cyclical and constant momentums (Smith 2018)."""
from ..analysis import acc, compare, fmt
from ..claim import Claim, seeded
from ..config import cycle_config
from ..paper import DISCIPLINED as PAPER

CYCLICAL = "cyclical 0.95-0.85"
# label: (momentum at the start and end of the cycle, at its middle)
SETTINGS = {CYCLICAL: (0.95, 0.85), "cyclical 0.99-0.90": (0.99, 0.9), "constant 0.99": (0.99, 0.99),
            "constant 0.9": (0.9, 0.9), "constant 0.85": (0.85, 0.85)}
CONSTANTS = [label for label in SETTINGS if label.startswith("constant")]


def settings(profile=None):
    """{label: 1cycle config} of the chapter's momentum settings."""
    return {label: cycle_config(profile, mom=hi, mom_min=lo) for label, (hi, lo) in SETTINGS.items()}


def cyclical_momentum(results, margin):
    cyc = acc(results[CYCLICAL])
    constants = {label: acc(results[label]) for label in CONSTANTS}
    best = max(constants, key=lambda label: constants[label].mean())
    return (f"0.95-0.85 {fmt(cyc)}; best constant ({best.split()[-1]}) {fmt(constants[best])}",
            compare(cyc, constants[best], margin), {"best": best})


CYCLICAL_MOMENTUM = Claim(
    "momentum", PAPER, "Cyclical momentum 0.95-0.85 is at least as good as the best constant momentum",
    "as good or slightly better", "accuracy, cyclical minus the best constant (points)", "as good",
    arms=lambda p: seeded({k: v for k, v in settings(p).items() if k == CYCLICAL or k in CONSTANTS}),
    measure=cyclical_momentum, digits=2,
    says={"held": "the whole interval lies above {margin:g}, so the cycle is as good as the best constant "
                  "momentum, as the paper reports",
          "contradicted": "the whole interval lies at or below {margin:g}, so the cycle trails the best constant "
                          "momentum by more than the margin, against the paper",
          "inconclusive": "the interval straddles {margin:g}, so at this number of seeds the runs neither confirm "
                          "nor refute that the cycle is as good as the best constant momentum (inconclusive)"})

CLAIMS = [CYCLICAL_MOMENTUM]
