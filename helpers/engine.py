"""The training engine: a `Config` becomes a seeded fastai `Learner`, trained with its schedule.

`train(config)` returns the run's history (per iteration: lr, momentum, loss, mean |gradient|;
per epoch: fastai's Recorder table) and its final validation loss and accuracy. It does not
look at the cache: `helpers.runs` does that.

Divergence (`helpers.callbacks.divergence`): a loss has diverged when it is not finite or above
`DIVERGENCE_FACTOR` (10) times the loss of the first iteration (for ten classes that is about
10 ln 10 = 23, far worse than guessing). A run diverged when its training loss ends diverged or
its final validation loss does; `diverged_at` is where that last diverged stretch began. A run
whose loss turns NaN or infinite stops at the end of that epoch (the check costs one device
synchronisation per epoch, not one per batch); a finite spike that recovers is not divergence.
"""
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict
from functools import partial
from pathlib import Path

import torch
import torch.nn as nn
from fastai.callback.schedule import ParamScheduler, SchedNo, combine_scheds
from fastai.learner import Learner
from fastai.metrics import accuracy
from fastai.optimizer import OptimWrapper
from fastai.torch_core import set_seed

from .callbacks import DeviceSmoothLoss, EpochTable, IterationLog, divergence
from .config import OPTIMIZERS, SCHEDULE_FREE, WITH_MOMENTUM, require_complete
from .data import dataset_info, get_dls, test_loader
from .models import resnet
from .provenance import provenance
from .schedule_free import ScheduleFreeModes
from .schedules import (CLR_MODES, clr_schedule, cosine_decay, linear_one_cycle, warmup_constant,
                        warmup_cosine, warmup_stable_decay)
from .settings import progress_enabled

# Part of every cached result's key: bump it when a change of the training code alters results,
# so that the committed results stop matching and the site build asks for `make reproduce`.
ENGINE_VERSION = 2
def opt_func(name, mom):
    """PyTorch's optimizer `name` (`helpers.config.OPTIMIZERS`) as a fastai `opt_func`, so that
    fastai's schedulers drive its lr, momentum and weight decay: default settings, with `mom` as
    SGD's momentum or the Adam family's beta1 (the others have no momentum to set)."""
    kwargs = ({"momentum": mom} if name in ("sgd", "sgd_schedulefree") else
              {"betas": (mom, 0.999)} if name in WITH_MOMENTUM else {})
    return partial(OptimWrapper, opt=OPTIMIZERS[name], **kwargs)


def default_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_learner(dls, model, opt="sgd", mom=0.9, lr=0.1, wd=1e-4, cbs=()):
    """The book's fastai Learner: cross-entropy, accuracy, PyTorch's optimizer `opt`, and a
    Recorder whose smoothed loss stays on the device (no wait for the GPU every batch)."""
    path = Path(tempfile.gettempdir()) / "book-learner"
    learn = Learner(dls, model, loss_func=nn.CrossEntropyLoss(), opt_func=opt_func(opt, mom),
                    metrics=accuracy, lr=lr, wd=wd, path=path, cbs=list(cbs))
    learn.recorder.smooth_loss = DeviceSmoothLoss(beta=learn.recorder.smooth_loss.beta)
    return learn


def build_learner(config, cbs=(), device=None):
    """A seeded Learner for `config`: data on the device, ResNet in channels_last."""
    require_complete(config)
    set_seed(config.seed, reproducible=True)
    device = device or default_device()
    info = dataset_info(config.dataset)
    dls = get_dls(config.dataset, config.n_train, config.n_valid, config.batch_size,
                  seed=config.seed, augment=config.augment, device=device)
    model = resnet(config.depth, len(info.classes), info.channels, config.head).to(device)
    return make_learner(dls, model, config.opt, config.mom, config.lr, config.wd, cbs)


# ---------------------------------------------------------------- schedules: one function each
def cycle_kwargs(c):
    """fastai's `fit_one_cycle` arguments of config `c`, but the epochs and the peak LR."""
    moms = (c.mom, c.mom_min if c.mom_min is not None else c.mom, c.mom)
    return dict(div=c.div, div_final=c.div_final, pct_start=c.pct_start, moms=moms)


def fit_one_cycle(learn, c):
    """fastai's 1cycle (cosine, warm-up for pct_start), momentum cycled down to mom_min."""
    learn.fit_one_cycle(c.epochs, c.lr, **cycle_kwargs(c))


def fit_linear_cycle(learn, c):
    """Smith's linear three-phase cycle (`helpers.schedules.linear_one_cycle`)."""
    mom_min = c.mom_min if c.mom_min is not None else c.mom
    scheds = linear_one_cycle(c.epochs * len(learn.dls.train), c.lr, c.pct_start, c.div, c.div_final,
                              (c.mom, mom_min))
    learn.fit(c.epochs, cbs=ParamScheduler(scheds))


def fit_constant(learn, c):
    learn.fit(c.epochs, c.lr)


def fit_cyclical(learn, c):
    """Smith's 2015 cyclical schedules; a half cycle lasts step_epochs epochs."""
    per_epoch = len(learn.dls.train)
    step_size = max(1, round(c.step_epochs * per_epoch))
    schedule = clr_schedule(c.epochs * per_epoch, c.base_lr, c.lr, step_size, c.schedule, c.clr_gamma)
    learn.fit(c.epochs, cbs=ParamScheduler({"lr": schedule}))


def fit_step(learn, c):
    """Piecewise-constant: lr, divided by 1/step_factor at each fraction in `steps`."""
    bounds = (0,) + tuple(c.steps) + (1,)
    pcts = [b - a for a, b in zip(bounds, bounds[1:])]
    lrs = [c.lr * c.step_factor ** i for i in range(len(pcts))]
    learn.fit(c.epochs, cbs=ParamScheduler({"lr": combine_scheds(pcts, [SchedNo(l, l) for l in lrs])}))


def fit_lr_schedule(schedule):
    """A fit function that drives the LR with `schedule(config)`, the momentum held at `mom`."""
    def fit_with(learn, c):
        learn.fit(c.epochs, cbs=ParamScheduler({"lr": schedule(c)}))
    fit_with.__doc__ = schedule.__doc__
    return fit_with


FIT = {"one_cycle": fit_one_cycle, "linear_cycle": fit_linear_cycle, "constant": fit_constant,
       "step": fit_step, **{mode: fit_cyclical for mode in CLR_MODES},
       "cosine": fit_lr_schedule(lambda c: cosine_decay(c.lr, c.div_final)),
       "warmup_cosine": fit_lr_schedule(lambda c: warmup_cosine(c.lr, c.pct_start, c.div, c.div_final)),
       "wsd": fit_lr_schedule(lambda c: warmup_stable_decay(c.lr, c.pct_start, c.div, c.div_final)),
       "warmup_constant": fit_lr_schedule(lambda c: warmup_constant(c.lr, c.pct_start, c.div))}


def fit(learn, config):
    """Train `learn` with the schedule of `config`."""
    if config.schedule not in FIT:
        raise ValueError(f"schedule must be one of {tuple(FIT)}, got {config.schedule!r}")
    FIT[config.schedule](learn, config)


def quiet(learn):
    """A context that hides fastai's progress bars and tables unless progress is enabled."""
    stack = ExitStack()
    if not progress_enabled():
        stack.enter_context(learn.no_bar())
        stack.enter_context(learn.no_logging())
    return stack


def final_loader(learn, config):
    """Where the final metrics are measured: `config.n_test` images of the test split, or the
    per-epoch validation subset when n_test is 0."""
    if not config.n_test:
        return learn.dls.valid
    return test_loader(config.dataset, config.n_test, learn.dls.valid.bs, learn.dls.device)


def train(config, cbs=(), setup=None, fit_with=fit):
    """Train once, without the cache; returns (result, learner). `setup(learn)` runs first (to
    load pretrained weights, say), and `fit_with(learn, config)` trains (by default with the
    config's schedule; it may call fit more than once)."""
    log, table = IterationLog(), EpochTable()
    learn = build_learner(config, cbs=[log, table, *cbs])
    final_dl = final_loader(learn, config)
    modes = ScheduleFreeModes(anytime_dl=final_dl) if config.opt in SCHEDULE_FREE else None
    if modes is not None:
        learn.add_cb(modes)
    if setup is not None:
        setup(learn)
    start = time.time()
    with quiet(learn):
        fit_with(learn, config)
        names = learn.recorder.metric_names[1:-1]  # without 'epoch' and 'time'
        rows = table.rows
        iterations = log.history()
        # validate starts a new "fit" for every callback: read them first
        final = learn.validate(dl=final_dl)
    epochs = {n: [float(row[i]) for row in rows] for i, n in enumerate(names)}
    epochs["epoch"] = list(range(1, len(rows) + 1))
    final_loss = float(final[0])
    diverged_at = divergence(iterations["loss"], final_loss)
    result = {
        "config": asdict(config),
        "history": {"iteration": iterations, "epoch": epochs},
        "final": {"valid_loss": final_loss, "accuracy": float(final[1]),
                  "images": final_dl.n},
        "diverged_at": diverged_at,
        "provenance": provenance(config.profile, learn.dls.device, time.time() - start),
    }
    if modes is not None:
        result["schedule_free"] = modes.summary(final_dl)
    return result, learn
