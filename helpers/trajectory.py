"""Where a run's weights go: at every iteration, the total gradient norm, the length of the
optimizer's step and the distance from the initial weights (all L2 over every trainable
parameter), for the stages of training that Smith and Topin describe.

`trajectory_job(config)` is the job of training `config` with these recorded (cached under the
config's name + "-trajectory"); its result is a training run's (`helpers.engine.train`) plus
`trajectory: {grad_norm, step, distance}`, one value per training iteration.
"""
import torch
from fastai.callback.core import Callback

from .engine import train
from .runs import Job


def flat(params):
    return torch.cat([p.detach().reshape(-1) for p in params])


class Trajectory(Callback):
    """Per training iteration: the gradient norm before the step, the step's length and the
    distance from the weights the fit started with. The values stay on the device and are copied
    to the CPU once, at the end (no synchronisation per batch)."""
    order = 70

    def __init__(self):
        self._grad, self._step, self._distance = [], [], []

    def before_fit(self):
        self._start = self._last = flat(self.learn.model.parameters())

    def before_step(self):
        grads = [p.grad for p in self.learn.model.parameters() if p.grad is not None]
        self._grad.append(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))

    def after_step(self):
        now = flat(self.learn.model.parameters())
        self._step.append(torch.linalg.vector_norm(now - self._last))
        self._distance.append(torch.linalg.vector_norm(now - self._start))
        self._last = now

    def history(self):
        return {name: torch.stack(values).float().tolist() if values else []
                for name, values in (("grad_norm", self._grad), ("step", self._step),
                                     ("distance", self._distance))}


def trajectory_result(config):
    """Train `config`, recording its `Trajectory`."""
    trajectory = Trajectory()
    result, _ = train(config, cbs=[trajectory])
    result["trajectory"] = trajectory.history()
    return result


def trajectory_job(config):
    """The job of training `config` with its trajectory recorded."""
    return Job(config, trajectory_result, suffix="-trajectory")
