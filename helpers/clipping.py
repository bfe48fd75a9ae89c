"""Gradient clipping, which the forum thread found to let RNNs train at huge learning rates:
fastai's `GradientClip`, keeping the total gradient norm it saw at every iteration.

`clipped_job(config, max_norm)` is the job of training `config` with its gradients clipped to
`max_norm` (cached under the config's name + "-clip<max_norm>"); its result is a training run's
(`helpers.engine.train`) plus `clipping: {max_norm, norms, clipped}`, the norms before clipping
and the share of iterations they exceeded `max_norm`.
"""
import torch
from fastai.callback.training import GradientClip

from .engine import train
from .runs import Job

MAX_NORM = 1.0  # fastai's default


class RecordedGradientClip(GradientClip):
    """fastai's `GradientClip`, keeping each total norm before clipping on the device (copied
    to the CPU once, at the end: no synchronisation per batch)."""

    def __init__(self, max_norm=MAX_NORM, norm_type=2.0):
        super().__init__(max_norm, norm_type)
        self._norms = []

    def before_step(self):
        norm = torch.nn.utils.clip_grad_norm_(self.parameters(), self.max_norm, self.norm_type)
        self._norms.append(norm.detach())

    @property
    def norms(self):
        return torch.stack(self._norms).float().tolist() if self._norms else []


def clipped_result(config, max_norm):
    """Train `config` with gradients clipped to `max_norm`; the result says how often they were."""
    clip = RecordedGradientClip(max_norm)
    result, _ = train(config, cbs=[clip])
    norms = clip.norms
    result["clipping"] = {"max_norm": max_norm, "norms": norms,
                          "clipped": sum(n > max_norm for n in norms) / max(1, len(norms))}
    return result


def clipped_job(config, max_norm=MAX_NORM):
    """The job of training `config` with gradients clipped to total L2 norm `max_norm`."""
    if not (isinstance(max_norm, (int, float)) and 0 < max_norm < float("inf")):
        raise ValueError(f"max_norm must be a finite number > 0, got {max_norm!r}")
    return Job(config, clipped_result, {"max_norm": float(max_norm)}, f"-clip{max_norm:g}")
