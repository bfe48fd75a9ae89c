"""fastai callbacks for what the library does not record by itself.

- `IterationLog`: learning rate, momentum, raw training loss and mean absolute gradient at every
  iteration, kept on the device until the end of each epoch; a diverged run is recorded and
  stopped instead of crashing.
- `EpochTable`: the Recorder's losses and metrics of every epoch, across fits.
- `WeightSnapshots`: copies of the model's state (on the CPU) at chosen epochs or iterations.
- `RangeTest`: fastai's `LRFinder` plus the validation loss and metrics on a validation batch at
  every iteration, an exponential or linear LR scale, and optional stop on divergence. Like
  `LRFinder` it saves the model and optimizer before and loads them back after; `find_lr` runs
  it and also puts back what fastai's `fit` changes before any callback sees it (the optimizer's
  hyper-parameters) and the random streams, so the training that follows is unaffected.
"""
import copy
import math

import torch
from torch.nn.modules.batchnorm import _BatchNorm
from fastai.callback.core import Callback, CancelFitException
from fastai.callback.schedule import LRFinder, SchedExp, SchedLin
from fastai.learner import AvgSmoothLoss, Recorder

SCALES = ("exp", "linear")
BN_STATS = ("batch", "running")


def current_mom(opt):
    """The momentum of the last parameter group (SGD's `mom`, or Adam's beta1), or None."""
    hypers = opt.hypers[-1]
    return float(hypers["mom"]) if "mom" in hypers else None


DIVERGENCE_FACTOR = 10.0  # a loss this many times the first one is far above the start


def divergence(losses, final_loss=None):
    """The iteration at which a run diverged, or None. A loss diverges when it is not finite or
    above `DIVERGENCE_FACTOR` times the first loss; the run diverged if its last training loss
    (or its final validation loss, if given) did so, and then at the start of that last stretch
    of diverged losses. A loss that spikes above the bound and comes back is not a divergence."""
    if not losses:
        return None
    bound = DIVERGENCE_FACTOR * losses[0]
    bad = [not (math.isfinite(x) and x <= bound) for x in losses]
    final_bad = final_loss is not None and not (math.isfinite(final_loss) and final_loss <= bound)
    if not bad[-1]:
        return len(losses) - 1 if final_bad else None
    start = len(bad) - 1
    while start > 0 and bad[start - 1]:
        start -= 1
    return start


class IterationLog(Callback):
    """lr, momentum, raw loss and mean absolute gradient of every training batch. Losses and
    gradients stay on the device and are copied to the CPU once per epoch, so logging costs no
    synchronisation per batch. At that copy a run whose loss has become NaN or infinite is
    stopped (nothing trains on from there); `diverged_at` is `divergence(losses)`."""
    order = 60  # after the Recorder

    def __init__(self):
        """Every training batch of every fit of the learner (fine-tuning fits twice) goes into one log."""
        self.lrs, self.momenta, self.losses, self.mean_abs_grads = [], [], [], []
        self._losses, self._grad_sums, self._checked = [], [], 0

    def after_backward(self):
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        self._grad_sums.append(sum(g.detach().abs().sum() for g in grads))  # a tensor: no sync
        self._n_grad = sum(g.numel() for g in grads)

    def after_batch(self):
        if not self.training:
            return
        self._losses.append(self.learn.loss.detach())
        self.lrs.append(float(self.opt.hypers[-1]["lr"]))
        self.momenta.append(current_mom(self.opt))

    def _flush(self):
        """Copy the epoch's losses and gradient sums to the CPU."""
        if self._losses:
            self.losses += torch.stack(self._losses).float().tolist()
            self.mean_abs_grads += [s / self._n_grad for s in torch.stack(self._grad_sums).tolist()]
            self._losses, self._grad_sums = [], []

    @property
    def diverged_at(self):
        self._flush()
        return divergence(self.losses)

    def after_epoch(self):
        self._flush()
        new, self._checked = self.losses[self._checked:], len(self.losses)  # none after `validate`
        if not all(math.isfinite(x) for x in new):
            raise CancelFitException()

    def after_fit(self):
        self._flush()

    def history(self):
        """The per-iteration logs as lists (what a result stores)."""
        self._flush()
        return {"lr": self.lrs, "mom": self.momenta, "loss": self.losses, "mean_abs_grad": self.mean_abs_grads}


class EpochTable(Callback):
    """The Recorder's row (losses and metrics) of every epoch of every fit: fastai's Recorder
    keeps only the last fit's."""
    order = Recorder.order + 1

    def __init__(self):
        self.rows, self.trained = [], False

    def after_train(self):
        self.trained = True  # a training epoch: `validate` ends an "epoch" too, with no training

    def after_epoch(self):
        if self.trained:
            self.rows.append([float(x) for x in self.learn.final_record])
        self.trained = False


class DeviceSmoothLoss(AvgSmoothLoss):
    """fastai's smoothed training loss, kept on the device: its own copies it to the CPU every
    batch, which waits for the GPU each time (`helpers.engine` puts this one in the Recorder)."""

    def accumulate(self, learn):
        self.count += 1
        loss = learn.loss.mean().detach()
        self.val = torch.lerp(loss, self.val.to(loss.device), self.beta)


class WeightSnapshots(Callback):
    """Keep CPU copies of the model's state_dict after the given numbers of epochs and/or training
    iterations (0 iterations: the weights before training); keys are ("epoch", n) and ("iter", n)."""
    order = 70

    def __init__(self, epochs=(), iters=()):
        self.epochs, self.iters = set(epochs), set(iters)
        self.snapshots = {}

    def _take(self, key):
        self.snapshots[key] = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}

    def before_fit(self):
        if 0 in self.iters:
            self._take(("iter", 0))

    def after_batch(self):  # the TrainEvalCallback has already counted this batch
        if self.training and self.train_iter in self.iters:
            self._take(("iter", self.train_iter))

    def after_train(self):  # not after_epoch: `learn.validate` runs an "epoch 0" too
        if self.epoch + 1 in self.epochs:
            self._take(("epoch", self.epoch + 1))


class RangeTest(LRFinder):
    """An LR range test that also evaluates one validation batch per iteration.

    `bn_stats` says how BatchNorm normalises that batch: with its own statistics ("batch", the
    default), or with the running averages ("running", as in a normal validation). While the
    learning rate grows the weights change faster than the running averages follow, so the
    "running" validation loss blows up long before the training loss does."""

    def __init__(self, start_lr=1e-7, end_lr=10, num_it=100, scale="exp", stop_div=True, bn_stats="batch"):
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
        if bn_stats not in BN_STATS:
            raise ValueError(f"bn_stats must be one of {BN_STATS}, got {bn_stats!r}")
        if not 0 < start_lr <= end_lr:  # equal: a control at a constant LR over the same iterations
            raise ValueError(f"start_lr and end_lr must satisfy 0 < start_lr <= end_lr, got {start_lr}, {end_lr}")
        if num_it < 6:
            raise ValueError(f"num_it must be at least 6, got {num_it}")
        super().__init__(start_lr, end_lr, num_it, stop_div)
        self.scale, self.bn_stats = scale, bn_stats
        self.scheds = {"lr": (SchedExp if scale == "exp" else SchedLin)(start_lr, end_lr)}

    def before_fit(self):
        super().before_fit()
        self.valid_batches = iter(self.dls.valid)
        self.train_losses, self.valid_losses, self.valid_metrics = [], [], {}

    def _next_valid_batch(self):
        try:
            return next(self.valid_batches)
        except StopIteration:  # start the validation set again
            self.valid_batches = iter(self.dls.valid)
            return next(self.valid_batches)

    def _predict(self, xb):
        """The model's output in eval mode, BatchNorm using batch statistics if asked; every
        buffer (running averages, counters) is left untouched."""
        self.model.eval()
        norms = [m for m in self.model.modules() if isinstance(m, _BatchNorm)] if self.bn_stats == "batch" else []
        saved = [[b.clone() for b in m.buffers(recurse=False)] for m in norms]
        for m in norms:
            m.train()
        with torch.no_grad():
            pred = self.model(xb)
            for m, buffers in zip(norms, saved):
                for b, old in zip(m.buffers(recurse=False), buffers):
                    b.copy_(old)
        self.model.train()
        return pred

    def after_batch(self):
        self.train_losses.append(self.learn.loss.detach().item())
        xb, yb = self._next_valid_batch()
        pred = self._predict(xb)
        with torch.no_grad():
            self.valid_losses.append(float(self.loss_func(pred, yb)))
            for m in self.learn.metrics:
                if hasattr(m, "func"):
                    self.valid_metrics.setdefault(m.name, []).append(float(m.func(pred, yb)))
        super().after_batch()


def find_lr(learn, start_lr=1e-7, end_lr=10, num_it=100, scale="exp", stop_div=True, bn_stats="batch"):
    """Run a `RangeTest` on `learn` and leave it as it was, even if the test raises: weights,
    BatchNorm statistics, optimizer state and hyper-parameters, the training loader's shuffling
    stream and torch's random streams (CPU and, where used, CUDA)."""
    cb = RangeTest(start_lr, end_lr, num_it, scale, stop_div, bn_stats)
    opt = learn.opt
    hypers = copy.deepcopy(opt.hypers) if opt is not None else None
    generator = getattr(learn.dls.train, "generator", None)
    loader_state = generator.get_state() if generator is not None else None
    cpu_state = torch.get_rng_state()
    cuda_state = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    finished = False
    try:
        with learn.no_logging():
            learn.fit(num_it // len(learn.dls.train) + 1, cbs=cb)
        finished = True
    finally:
        if not finished and hasattr(cb, "learn"):  # fastai skips after_fit when fit raises:
            cb.after_fit()                          # load back the weights and optimizer state
        if opt is None:
            learn.opt = None
        else:
            for name in hypers[0]:
                learn.opt.set_hyper(name, [h[name] for h in hypers])
        if generator is not None:
            generator.set_state(loader_state)
        torch.set_rng_state(cpu_state)
        if cuda_state is not None:
            torch.cuda.set_rng_state_all(cuda_state)
    return cb
