"""Smith's (2015) cyclical learning rates, as a schedule for fastai's `ParamScheduler`.

The learning rate moves linearly between `base_lr` and `max_lr` and back, each half cycle
lasting `step_size` iterations. "triangular" keeps the amplitude, "triangular2" halves it every
cycle, "exp_range" multiplies it by gamma**iteration. Same formula as
`torch.optim.lr_scheduler.CyclicLR` (the tests hold the two side by side).
"""
import math

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
