"""A training run as data: `Config`, its checks, and the ways chapters build one.

Sizes (dataset, depth, subset, batch size, epochs) come from the profile unless a config
overrides them, so a chapter states only what it varies. Every field is checked when a Config is
made: a wrong hyper-parameter raises ValueError naming it, before anything trains or is cached.
"""
import math
import numbers
from dataclasses import dataclass, fields, replace

import schedulefree
import torch

from .data import dataset_info
from .models import HEADS
from .profiles import get_profile
from .schedules import CLR_MODES, WSD_DECAY

WARMUPS = ("warmup_cosine", "wsd", "warmup_constant")  # they warm up for pct_start from lr/div
SCHEDULES = ("one_cycle", "linear_cycle", "constant", "step", "cosine") + WARMUPS + CLR_MODES
CYCLES = ("one_cycle", "linear_cycle")  # they cycle the momentum too
# Optimizers by name: PyTorch's, whose weight decay is the papers' L2 penalty except AdamW's,
# which is decoupled; and the `schedulefree` package's (Defazio et al. 2024), which average their
# iterates instead of following a schedule (`helpers.schedule_free`).
SCHEDULE_FREE = {"sgd_schedulefree": schedulefree.SGDScheduleFree,
                 "adamw_schedulefree": schedulefree.AdamWScheduleFree}
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
              "adamax": torch.optim.Adamax, "rmsprop": torch.optim.RMSprop,
              "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta, **SCHEDULE_FREE}
# `mom` is SGD's momentum or Adam's beta1 (Schedule-Free: the interpolation between the average
# and the last iterate, which plays momentum's part)
WITH_MOMENTUM = ("sgd", "adam", "adamw", "adamax", *SCHEDULE_FREE)
SIZES = ("dataset", "depth", "n_train", "n_valid", "n_test", "batch_size", "epochs")  # from the profile


@dataclass(frozen=True)
class Config:
    """One training run. Fields left as None are filled from the profile by `make_config`."""
    name: str = "run"
    profile: str = None
    dataset: str = None
    depth: int = None
    head: str = "linear"
    n_train: int = None
    n_valid: int = None
    n_test: int = None                # final metrics on this many test images (0: on the n_valid)
    batch_size: int = None
    epochs: int = None
    schedule: str = "one_cycle"
    lr: float = 0.1
    pct_start: float = 0.25           # one_cycle and WARMUPS: fraction of the run spent warming up
                                      # (linear_cycle: rising, and as much again falling)
    div: float = 25.0                 # one_cycle, linear_cycle, WARMUPS: start LR = lr / div
    div_final: float = 1e4            # cycles, cosine, warmup_cosine, wsd: final LR = lr / div_final
    steps: tuple = (0.5, 0.75)        # step: fractions of the run where the LR drops ...
    step_factor: float = 0.1          # ... by this factor
    mom: float = 0.9                  # momentum (Adam: beta1); one_cycle starts and ends here
    mom_min: float = None             # one_cycle: momentum at the LR's peak, if it cycles
    base_lr: float = None             # cyclical (triangular, ...): the lower bound; lr is the upper
    step_epochs: float = 2.0          # cyclical: length of a half cycle, in epochs
    clr_gamma: float = 1.0            # exp_range: amplitude factor per iteration
    wd: float = 1e-4
    opt: str = "sgd"
    seed: int = 0
    augment: bool = True

    def __post_init__(self):
        for name in FLOAT_FIELDS:  # numpy scalars (from a pandas table, say) become plain floats
            value = getattr(self, name)
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        check_config(self)


FLOAT_FIELDS = ("lr", "pct_start", "div", "div_final", "step_factor", "mom", "mom_min", "base_lr",
                "step_epochs", "clr_gamma", "wd")


def _check(ok, arg, allowed, value):
    if not ok:
        raise ValueError(f"{arg} must be {allowed}, got {value!r}")


def check_config(c):
    """Raise ValueError naming the first argument that is out of range."""
    if c.profile is not None:
        get_profile(c.profile)
    if c.dataset is not None:
        dataset_info(c.dataset)
    _check(c.depth is None or (isinstance(c.depth, int) and c.depth >= 8 and (c.depth - 2) % 6 == 0),
           "depth", "6n+2 with n >= 1 (8, 14, 20, 56, 110, ...)", c.depth)
    _check(c.head in HEADS, "head", f"one of {HEADS}", c.head)
    _check(c.schedule in SCHEDULES, "schedule", f"one of {SCHEDULES}", c.schedule)
    _check(c.opt in OPTIMIZERS, "opt", f"one of {tuple(OPTIMIZERS)}", c.opt)
    _check(isinstance(c.lr, (int, float)) and math.isfinite(c.lr) and c.lr > 0, "lr", "a number > 0", c.lr)
    _check(0 < c.pct_start < 1, "pct_start", "in the open interval (0, 1)", c.pct_start)
    _check(c.div >= 1 and c.div_final >= 1, "div and div_final", ">= 1", (c.div, c.div_final))
    _check(0 <= c.mom < 1, "mom", "in [0, 1)", c.mom)
    _check(c.mom_min is None or 0 <= c.mom_min < 1, "mom_min", "None or in [0, 1)", c.mom_min)
    _check(c.wd >= 0, "wd", ">= 0", c.wd)
    _check(all(0 < s < 1 for s in c.steps) and list(c.steps) == sorted(set(c.steps)),
           "steps", "increasing fractions in (0, 1)", c.steps)
    _check(0 < c.step_factor < 1, "step_factor", "in (0, 1)", c.step_factor)
    _check(c.schedule not in CLR_MODES or (c.base_lr is not None and 0 < c.base_lr < c.lr), "base_lr",
           "set, with 0 < base_lr < lr, for a cyclical schedule", c.base_lr)
    _check(c.step_epochs > 0, "step_epochs", "> 0", c.step_epochs)
    _check(0 < c.clr_gamma <= 1, "clr_gamma", "in (0, 1]", c.clr_gamma)
    _check(c.schedule not in CYCLES or c.opt in WITH_MOMENTUM, "opt",
           f"one of {WITH_MOMENTUM} for {c.schedule}, which cycles the momentum", c.opt)
    _check(c.schedule != "linear_cycle" or c.pct_start < 0.5, "pct_start",
           "below 0.5 for linear_cycle (it rises and falls for pct_start each)", c.pct_start)
    _check(c.schedule != "wsd" or c.pct_start < 1 - WSD_DECAY, "pct_start",
           f"below {1 - WSD_DECAY:g} for wsd (it decays over the last {WSD_DECAY:g})", c.pct_start)
    _check(c.opt not in SCHEDULE_FREE or c.schedule in ("constant", "warmup_constant"), "schedule",
           f"constant or warmup_constant for {c.opt}, which needs no schedule", c.schedule)
    _check(c.opt not in SCHEDULE_FREE or c.mom > 0, "mom", f"above 0 for {c.opt}", c.mom)
    _check(c.schedule != "linear_cycle" or c.div <= c.div_final, "div",
           "at most div_final for linear_cycle", c.div)
    for arg in ("n_train", "n_valid", "n_test", "batch_size", "epochs"):
        value = getattr(c, arg)
        _check(value is None or (isinstance(value, int) and not isinstance(value, bool)
                                 and value >= (0 if arg.startswith("n_") else 1)),
               arg, "a positive integer", value)
    _check(not (c.n_train and c.batch_size) or c.n_train >= c.batch_size, "n_train",
           f"at least batch_size ({c.batch_size}), or no batch trains", c.n_train)


def require_complete(config):
    """Raise ValueError unless every size of `config` is set (as `make_config` does)."""
    if not isinstance(config, Config):
        raise ValueError(f"config must be a Config, got {type(config).__name__}")
    missing = [f for f in ("profile",) + SIZES if getattr(config, f) is None]
    if missing:
        raise ValueError(f"config is incomplete (no {', '.join(missing)}): build it with make_config()")
    return config


def make_config(profile=None, **overrides):
    """A complete Config: the profile's sizes, then `overrides`."""
    p = get_profile(profile)
    sizes = {f: getattr(p, f) for f in SIZES}
    unknown = set(overrides) - {f.name for f in fields(Config)}
    if unknown:
        raise ValueError(f"unknown config fields {sorted(unknown)}; allowed: {[f.name for f in fields(Config)]}")
    return Config(**{"profile": p.name, **sizes, **overrides})


def with_seeds(config, seeds=None):
    """`config` once per seed (unless given, those of its profile)."""
    seeds = get_profile(config.profile).seeds if seeds is None else seeds
    return [replace(config, seed=s) for s in seeds]


# Chapter 1's 1cycle run. Chapters 4-6 vary it and share the variants they have in common.
BOOK_CYCLE = dict(name="engine-1cycle", schedule="one_cycle", lr=0.4, mom=0.95, mom_min=0.85, wd=1e-4)


def cycle_config(profile=None, name=None, **changes):
    """Chapter 1's 1cycle run (`BOOK_CYCLE`, in `profile`) with `changes`. Unless `name` is given,
    a variant is named after what it changes (e.g. "cycle-mom0.9-wd0.001"), so chapters that vary
    the same hyper-parameters share results."""
    base = make_config(profile, **BOOK_CYCLE)
    changes = {k: v for k, v in changes.items() if not hasattr(base, k) or getattr(base, k) != v}
    if name is None and changes:
        name = "cycle-" + "-".join(f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}"
                                   for k, v in sorted(changes.items()))
    return make_config(profile, **{**BOOK_CYCLE, **changes, "name": name or base.name})


# The classical ResNet schedule the super-convergence chapter compares 1cycle with.
BOOK_STEP = dict(schedule="step", mom=0.9, wd=1e-4)


def step_config(profile=None, lr=0.1, **changes):
    """The step schedule (`BOOK_STEP`, in `profile`) from `lr`, named "sc-step-<lr>" whatever
    its length or data, so that the chapter and the claims find it by name and config."""
    return make_config(profile, **{**BOOK_STEP, "name": f"sc-step-{lr:g}", "lr": lr, **changes})
