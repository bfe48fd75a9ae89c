"""Experiments as data: a training run is a `Config`; `run(config)` returns its history.

Sizes (dataset, depth, subset, batch size, epochs) come from the profile unless a config overrides
them, so a chapter states only what it varies. Results are cached as JSON (see `helpers.cache`).
"""
import math
import numbers
import os
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, fields
from functools import partial
from pathlib import Path

import torch
import torch.nn as nn
from fastai.callback.schedule import ParamScheduler, SchedNo, combine_scheds
from fastai.learner import Learner
from fastai.metrics import accuracy
from fastai.optimizer import OptimWrapper
from fastai.torch_core import set_seed

from .cache import cached
from .callbacks import GradientStats, IterationLog, RangeTest, find_lr
from .data import dataset_info, get_dls
from .models import HEADS, resnet
from .profiles import get_profile
from .provenance import provenance
from .schedules import CLR_MODES, clr_schedule, linear_one_cycle

# Part of every cached result's key: bump it when a change of the training code alters results,
# so that the committed results stop matching and the site build asks for `make reproduce`.
ENGINE_VERSION = 2
SCHEDULES = ("one_cycle", "linear_cycle", "constant", "step") + CLR_MODES
CYCLES = ("one_cycle", "linear_cycle")  # they cycle the momentum too
# PyTorch's optimizers, wrapped for fastai (whose schedulers then drive lr, momentum and weight
# decay). Their weight decay is the papers' L2 penalty, except AdamW's, which is decoupled.
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
              "adamax": torch.optim.Adamax, "rmsprop": torch.optim.RMSprop,
              "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta}
WITH_MOMENTUM = ("sgd", "adam", "adamw", "adamax")  # `mom` is SGD's momentum or Adam's beta1


def opt_func(name, mom):
    """A fastai `opt_func` for PyTorch's optimizer `name` at its default settings, with `mom` as
    SGD's momentum or the Adam family's beta1; the others have no momentum to set."""
    kwargs = {"momentum": mom} if name == "sgd" else {"betas": (mom, 0.999)} if name in WITH_MOMENTUM else {}
    return partial(OptimWrapper, opt=OPTIMIZERS[name], **kwargs)


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
    batch_size: int = None
    epochs: int = None
    schedule: str = "one_cycle"
    lr: float = 0.1
    pct_start: float = 0.25           # one_cycle: fraction of the run spent warming up
                                      # (linear_cycle: rising, and as much again falling)
    div: float = 25.0                 # one_cycle, linear_cycle: start LR = lr / div
    div_final: float = 1e4            # one_cycle, linear_cycle: final LR = lr / div_final
    steps: tuple = (0.5, 0.75)        # step: fractions of the run where the LR drops ...
    step_factor: float = 0.1          # ... by this factor
    mom: float = 0.9                  # momentum (Adam: beta1); one_cycle starts and ends here
    mom_min: float = None             # one_cycle: cycle momentum down to this value, if set
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
    _check(c.schedule != "linear_cycle" or c.div <= c.div_final, "div",
           "at most div_final for linear_cycle", c.div)
    for arg in ("n_train", "n_valid", "batch_size", "epochs"):
        value = getattr(c, arg)
        _check(value is None or (isinstance(value, int) and value >= (0 if arg.startswith("n_") else 1)),
               arg, "a positive integer", value)


def make_config(profile=None, **overrides):
    """A complete Config: the profile's sizes, then `overrides`."""
    p = get_profile(profile)
    sizes = dict(profile=p.name, dataset=p.dataset, depth=p.depth, n_train=p.n_train,
                 n_valid=p.n_valid, batch_size=p.batch_size, epochs=p.epochs)
    unknown = set(overrides) - {f.name for f in fields(Config)}
    if unknown:
        raise ValueError(f"unknown config fields {sorted(unknown)}; allowed: {[f.name for f in fields(Config)]}")
    return Config(**{**sizes, **overrides})


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


def progress_enabled():
    """Progress bars are shown unless BOOK_PROGRESS=0 (the book build and the tests set it)."""
    return os.environ.get("BOOK_PROGRESS", "1") != "0"


def default_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def build_learner(config, cbs=(), device=None):
    """A seeded fastai Learner for `config`: data on the device, ResNet in channels_last."""
    if config.profile is None:
        raise ValueError("config is incomplete: build it with make_config()")
    set_seed(config.seed, reproducible=True)
    device = device or default_device()
    info = dataset_info(config.dataset)
    dls = get_dls(config.dataset, config.n_train, config.n_valid, config.batch_size,
                  seed=config.seed, augment=config.augment, device=device)
    model = resnet(config.depth, len(info.classes), info.channels, config.head).to(device)
    path = Path(tempfile.gettempdir()) / "book-learner"
    return Learner(dls, model, loss_func=nn.CrossEntropyLoss(), opt_func=opt_func(config.opt, config.mom),
                   metrics=accuracy, lr=config.lr, wd=config.wd, path=path, cbs=list(cbs))


def fit(learn, config):
    """Train `learn` with the schedule of `config`."""
    if config.schedule == "one_cycle":
        moms = (config.mom, config.mom_min if config.mom_min is not None else config.mom, config.mom)
        learn.fit_one_cycle(config.epochs, config.lr, div=config.div, div_final=config.div_final,
                            pct_start=config.pct_start, moms=moms)
    elif config.schedule == "linear_cycle":
        mom_min = config.mom_min if config.mom_min is not None else config.mom
        scheds = linear_one_cycle(config.epochs * len(learn.dls.train), config.lr, config.pct_start,
                                  config.div, config.div_final, (config.mom, mom_min))
        learn.fit(config.epochs, cbs=ParamScheduler(scheds))
    elif config.schedule == "constant":
        learn.fit(config.epochs, config.lr)
    elif config.schedule in CLR_MODES:
        per_epoch = len(learn.dls.train)
        step_size = max(1, round(config.step_epochs * per_epoch))
        schedule = clr_schedule(config.epochs * per_epoch, config.base_lr, config.lr, step_size,
                                config.schedule, config.clr_gamma)
        learn.fit(config.epochs, cbs=ParamScheduler({"lr": schedule}))
    else:
        bounds = (0,) + tuple(config.steps) + (1,)
        pcts = [b - a for a, b in zip(bounds, bounds[1:])]
        lrs = [config.lr * config.step_factor ** i for i in range(len(pcts))]
        learn.fit(config.epochs, cbs=ParamScheduler({"lr": combine_scheds(pcts, [SchedNo(l, l) for l in lrs])}))


def quiet(learn):
    """A context that hides fastai's progress bars and tables unless progress is enabled."""
    stack = ExitStack()
    if not progress_enabled():
        stack.enter_context(learn.no_bar())
        stack.enter_context(learn.no_logging())
    return stack


def train(config, cbs=()):
    """Train once, without the cache; returns (result, learner)."""
    log, grads = IterationLog(), GradientStats()
    learn = build_learner(config, cbs=[log, grads, *cbs])
    start = time.time()
    with quiet(learn):
        fit(learn, config)
        names = learn.recorder.metric_names[1:-1]  # without 'epoch' and 'time'
        rows = list(learn.recorder.values)
        iterations = {"lr": log.lrs, "mom": log.momenta, "loss": log.losses,
                      "mean_abs_grad": grads.mean_abs_grads}
        diverged_at = log.diverged_at
        final = learn.validate()  # this starts a new "fit" for every callback: read them first
    epochs = {n: [float(row[i]) for row in rows] for i, n in enumerate(names)}
    epochs["epoch"] = list(range(1, len(rows) + 1))
    result = {
        "config": asdict(config),
        "history": {"iteration": iterations, "epoch": epochs},
        "final": {"valid_loss": float(final[0]), "accuracy": float(final[1])},
        "diverged_at": diverged_at,
        "provenance": provenance(config.profile, learn.dls.device, time.time() - start),
    }
    return result, learn


def run(config):
    """The result of training `config`: from `book/results/<profile>/` when cached."""
    spec = {"config": asdict(config), "engine": ENGINE_VERSION}
    return cached(config.profile, config.name, spec, lambda: train(config)[0])


def range_test(config, start_lr=1e-5, end_lr=10.0, num_it=None, scale="exp", stop_div=True, bn_stats="batch"):
    """An LR range test on the model and data of `config` (its schedule is ignored); cached like
    `run`. Returns per-iteration lr, raw and smoothed training loss, validation loss and metrics
    (see `helpers.callbacks.RangeTest` for `bn_stats`)."""
    RangeTest(start_lr, end_lr, num_it or 6, scale, stop_div, bn_stats)  # check the arguments early
    num_it = num_it or get_profile(config.profile).finder_iters
    finder = dict(start_lr=start_lr, end_lr=end_lr, num_it=num_it, scale=scale, stop_div=stop_div,
                  bn_stats=bn_stats)

    def compute():
        learn = build_learner(config)
        start = time.time()
        with quiet(learn):
            cb = find_lr(learn, **finder)
        return {
            "config": asdict(config), "finder": finder,
            "lr": [float(x) for x in learn.recorder.lrs],
            "train_loss_smooth": [float(x) for x in learn.recorder.losses],
            "train_loss": cb.train_losses,
            "valid_loss": cb.valid_losses, "valid_metrics": cb.valid_metrics,
            "provenance": provenance(config.profile, learn.dls.device, time.time() - start),
        }

    spec = {"config": asdict(config), "finder": finder, "engine": ENGINE_VERSION}
    return cached(config.profile, f"{config.name}-finder", spec, compute)
