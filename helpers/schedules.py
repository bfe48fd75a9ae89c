"""Learning-rate schedules that fastai lacks, as schedules for its `ParamScheduler`.

Smith's (2015) cyclical learning rates:

The learning rate moves linearly between `base_lr` and `max_lr` and back, each half cycle
lasting `step_size` iterations. "triangular" keeps the amplitude, "triangular2" halves it every
cycle, "exp_range" multiplies it by gamma**iteration. Same formula as
`torch.optim.lr_scheduler.CyclicLR` (the tests hold the two side by side).

Smith's (2018) linear 1cycle with a final annihilation phase (`three_phase`, `linear_one_cycle`),
the same as `torch.optim.lr_scheduler.OneCycleLR(three_phase=True, anneal_strategy="linear")`.
fastai's own `fit_one_cycle` is the two-phase cosine variant and is used as it is.

What came after (the "later work" chapter), built from fastai's `SchedLin`, `SchedCos` and
`combine_scheds`: cosine decay (Loshchilov and Hutter 2017, without restarts), the same after a
linear warm-up, warmup-stable-decay (a constant LR, decayed linearly over the last `WSD_DECAY` of
the run; Hu et al. 2024, Hägele et al. 2024), and a warm-up then a constant LR (what Schedule-Free
optimizers are given).
"""
import math

import torch
from fastai.callback.schedule import SchedCos, SchedLin, SchedNo, combine_scheds

CLR_MODES = ("triangular", "triangular2", "exp_range")


def clr_lr(iteration, base_lr, max_lr, step_size, mode="triangular", gamma=1.0):
    """The learning rate at `iteration` (0-based) of a cyclical schedule."""
    cycle = math.floor(1 + iteration / (2 * step_size))
    x = abs(iteration / step_size - 2 * cycle + 1)
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": gamma ** iteration}[mode]
    return base_lr + (max_lr - base_lr) * max(0.0, 1 - x) * scale


def clr_schedule(n_iter, base_lr, max_lr, step_size, mode="triangular", gamma=1.0):
    """`clr_lr` as a function of the fraction of training done, which is what fastai's
    `ParamScheduler` calls its schedules with; `n_iter` is the length of the whole run."""
    if mode not in CLR_MODES:
        raise ValueError(f"mode must be one of {CLR_MODES}, got {mode!r}")
    if not 0 < base_lr < max_lr:
        raise ValueError(f"base_lr must satisfy 0 < base_lr < max_lr, got {base_lr} and {max_lr}")
    if step_size < 1:
        raise ValueError(f"step_size must be at least one iteration, got {step_size}")

    def schedule(pos):
        return clr_lr(round(pos * n_iter), base_lr, max_lr, step_size, mode, gamma)
    return schedule


def three_phase(iteration, n_iter, pct_start, start, peak, end):
    """Smith's linear 1cycle (three phases): from `start` to `peak` in the first `pct_start` of
    `n_iter` iterations, back to `start` in as many, then to `end` in the rest. Phase boundaries
    and interpolation as in `torch.optim.lr_scheduler.OneCycleLR(three_phase=True,
    anneal_strategy="linear")`. For the momentum pass (max, min, max)."""
    if not 0 < pct_start < 0.5:
        raise ValueError(f"pct_start must be in (0, 0.5) for three phases, got {pct_start}")
    phases = [(pct_start * n_iter - 1, start, peak), (2 * pct_start * n_iter - 2, peak, start),
              (n_iter - 1, start, end)]
    begin = 0
    for i, (stop, a, b) in enumerate(phases):
        if iteration <= stop or i == len(phases) - 1:
            return a + (b - a) * (iteration - begin) / (stop - begin)
        begin = stop


def linear_one_cycle(n_iter, max_lr, pct_start=0.45, div=10.0, div_final=1000.0, moms=(0.95, 0.85)):
    """Schedules of the training fraction for fastai's `ParamScheduler`: Smith's `use_clr_beta`
    (and the Keras port's `end_percentage`) cycle. LR: max_lr/div -> max_lr -> max_lr/div, then
    annihilated to max_lr/div_final in the last 1 - 2*pct_start of the run; momentum: moms[0] ->
    moms[1] -> moms[0], then held. PyTorch's `final_div_factor` is our div_final / div."""
    if not 1 <= div <= div_final:
        raise ValueError(f"div and div_final must satisfy 1 <= div <= div_final, got {div} and {div_final}")
    lr = lambda pos: three_phase(round(pos * n_iter), n_iter, pct_start, max_lr / div, max_lr, max_lr / div_final)
    mom = lambda pos: three_phase(round(pos * n_iter), n_iter, pct_start, moms[0], moms[1], moms[0])
    lr(0)  # check the arguments now
    return {"lr": lr, "mom": mom}


WSD_DECAY = 0.2  # warmup-stable-decay: the LR decays over this last fraction of the run


def cosine_decay(max_lr, div_final=1e4):
    """Cosine from max_lr down to max_lr/div_final over the whole run (no warm-up)."""
    return SchedCos(max_lr, max_lr / div_final)


def after_warmup(pct_start, max_lr, div, *phases):
    """A linear warm-up from max_lr/div to max_lr for the first `pct_start` of the run, then
    `phases` ((fraction of the run, schedule), ...), which fill the rest."""
    if not 0 < pct_start < 1:
        raise ValueError(f"pct_start must be in (0, 1), got {pct_start}")
    pcts = [pct_start] + [pct for pct, _ in phases]
    if not math.isclose(sum(pcts), 1) or min(pcts) <= 0:
        raise ValueError(f"pct_start ({pct_start}) leaves no room for the phases after the warm-up")
    return combine_scheds(pcts, [SchedLin(max_lr / div, max_lr)] + [sched for _, sched in phases])


def warmup_cosine(max_lr, pct_start, div, div_final):
    """A linear warm-up, then cosine decay to max_lr/div_final."""
    return after_warmup(pct_start, max_lr, div, (1 - pct_start, SchedCos(max_lr, max_lr / div_final)))


def warmup_stable_decay(max_lr, pct_start, div, div_final, decay=WSD_DECAY):
    """A linear warm-up, a constant max_lr, then a linear decay to max_lr/div_final over the last
    `decay` of the run."""
    if not 0 < decay < 1 - pct_start:
        raise ValueError(f"decay must be in (0, 1 - pct_start), got {decay} with pct_start {pct_start}")
    return after_warmup(pct_start, max_lr, div, (1 - pct_start - decay, SchedNo(max_lr, max_lr)),
                        (decay, SchedLin(max_lr, max_lr / div_final)))


def warmup_constant(max_lr, pct_start, div):
    """A linear warm-up, then max_lr to the end."""
    return after_warmup(pct_start, max_lr, div, (1 - pct_start, SchedNo(max_lr, max_lr)))


def pytorch_reference(make_scheduler, n_iter, lr=0.1, momentum=0.9):
    """The learning rates and momenta that a PyTorch scheduler sets over `n_iter` iterations:
    `make_scheduler(optimizer)` builds it on an SGD optimizer of one dummy parameter (initial
    `lr` and `momentum`). The reference the schedules above are checked against."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=momentum)
    scheduler = make_scheduler(opt)
    lrs, momenta = [], []
    for _ in range(n_iter):
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        scheduler.step()
    return lrs, momenta
