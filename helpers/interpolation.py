"""Linear interpolation between two sets of weights, as in "Exploring loss function topology
with cyclical learning rates" (2017): theta(a) = (1 - a) * theta1 + a * theta2.

BatchNorm's running mean and variance are buffers and are interpolated with the weights. Beyond
the segment (a < 0 or a > 1) that is extrapolation, and a running variance can turn negative:
the normalisation then takes the square root of a negative number and the loss is NaN. The sound
alternative, `bn="recomputed"`, estimates the statistics of each interpolated model afresh on
training batches.
"""
import time
from dataclasses import asdict

import torch
from torch.optim.swa_utils import AveragedModel, update_bn

from .callbacks import WeightSnapshots
from .config import require_complete
from .engine import final_loader, train
from .evaluation import batchnorms, evaluate, recompute_bn
from .grid import run_jobs
from .provenance import provenance
from .runs import Job

BN_MODES = ("interpolated", "recomputed")


def interpolate(state1, state2, alpha):
    """(1 - alpha) * state1 + alpha * state2 for floating-point tensors; integer buffers (such
    as BatchNorm's batch counter) are taken from state1."""
    if state1.keys() != state2.keys():
        raise ValueError("state1 and state2 must come from the same architecture (their keys differ)")
    return {k: torch.lerp(v, state2[k], alpha) if v.is_floating_point() else v.clone() for k, v in state1.items()}


def loss_along_line(model, state1, state2, alphas, train_batches, valid_batches, bn="interpolated"):
    """Training and validation loss and accuracy of the interpolated model at each alpha, and
    the smallest running variance of its BatchNorm layers (negative: the interpolation broke)."""
    if bn not in BN_MODES:
        raise ValueError(f"bn must be one of {BN_MODES}, got {bn!r}")
    rows = {k: [] for k in ("alpha", "train_loss", "train_acc", "valid_loss", "valid_acc", "min_running_var")}
    for alpha in alphas:
        model.load_state_dict(interpolate(state1, state2, float(alpha)))
        if bn == "recomputed":
            recompute_bn(model, train_batches)
        rows["alpha"].append(float(alpha))
        for split, batches in (("train", train_batches), ("valid", valid_batches)):
            loss, acc = evaluate(model, batches)
            rows[f"{split}_loss"].append(loss)
            rows[f"{split}_acc"].append(acc)
        rows["min_running_var"].append(min(m.running_var.min().item() for m in batchnorms(model)))
    return rows


def fixed_batches(loader, n_images):
    """The first `n_images` of a loader's data, in order, without augmentation."""
    plain = loader.new(shuffle=False, pad=0, flip=False)
    batches = []
    for xb, yb in plain:
        batches.append((xb, yb))
        if sum(len(y) for _, y in batches) >= n_images:
            break
    return batches


def relative_distance(state1, state2):
    """|theta2 - theta1| / |theta1| over the floating-point weights (BatchNorm buffers left out)."""
    keys = [k for k, v in state1.items() if v.is_floating_point() and "running" not in k]
    diff = sum(float((state2[k] - state1[k]).pow(2).sum()) for k in keys)
    return (diff / sum(float(state1[k].pow(2).sum()) for k in keys)) ** 0.5


def averaged(model, states, batches):
    """The average of the weights `states` (PyTorch's `swa_utils.AveragedModel`), its BatchNorm
    statistics recomputed on `batches` (`update_bn`), as stochastic weight averaging does."""
    average = AveragedModel(model)
    for state in states:
        model.load_state_dict(state)
        average.update_parameters(model)
    update_bn(batches, average)
    return average.eval()


def lines_result(config, pairs, alphas, n_images, average=()):
    """Train `config` once and measure every line of `pairs` (see `interpolation`)."""
    pairs = {label: tuple(epochs) for label, epochs in pairs.items()}
    snaps = WeightSnapshots(epochs={e for p in pairs.values() for e in p} | set(average))
    result, learn = train(config, cbs=[snaps])
    start = time.time()
    train_b = fixed_batches(learn.dls.train, n_images)
    valid_b = fixed_batches(learn.dls.valid, n_images)
    state = {e: {k: v.to(learn.dls.device) for k, v in s.items()} for (_, e), s in snaps.snapshots.items()}
    lines = {}
    for label, (e1, e2) in pairs.items():
        lines[label] = {"epochs": [e1, e2], "distance": relative_distance(state[e1], state[e2]),
                        **{bn: loss_along_line(learn.model, state[e1], state[e2], alphas, train_b, valid_b, bn)
                           for bn in BN_MODES}}
    out = {"config": asdict(config), "pairs": pairs, "n_images": n_images, "lines": lines,
           "run": {k: result[k] for k in ("history", "final", "diverged_at")}}
    if average:
        loss, accuracy = evaluate(averaged(learn.model, [state[e] for e in average], train_b),
                                  final_loader(learn, config))
        out["average"] = {"epochs": list(average), "loss": loss, "accuracy": accuracy}
    out["provenance"] = provenance(config.profile, learn.dls.device,
                                   time.time() - start + result["provenance"]["wall_time_s"])
    return out


def lines_job(config, pairs, alphas, n_images=2000, average=()):
    """The job of `interpolation` (for `helpers.grid.run_jobs`); `average` names epochs whose
    weights are also averaged (see `averaged`) and measured like the run's final weights."""
    require_complete(config)
    alphas = [float(a) for a in alphas]
    pairs = {label: [int(e) for e in epochs] for label, epochs in pairs.items()}
    for label, (e1, e2) in pairs.items():
        if not 1 <= e1 < e2 <= config.epochs:
            raise ValueError(f"pairs[{label!r}] must be two epochs 1 <= e1 < e2 <= {config.epochs}, got {(e1, e2)}")
    average = [int(e) for e in average]
    if average and (len(average) < 2 or not all(1 <= e <= config.epochs for e in average)):
        raise ValueError(f"average must name two or more epochs in 1..{config.epochs}, got {average}")
    options = {"pairs": pairs, "alphas": alphas, "n_images": n_images, **({"average": average} if average else {})}
    return Job(config, lines_result, options, "-lines")


def interpolation(config, pairs, alphas, n_images=2000, average=()):
    """Train `config` once, keeping the weights after the epochs named in `pairs` (a dict
    label -> (epoch1, epoch2)), and measure the loss along each line for every alpha, with
    interpolated and with recomputed BatchNorm statistics, on `n_images` training images (no
    augmentation) and as many validation images; and the average of the weights of the epochs
    `average` on the run's final images. Cached like `helpers.runs.run`."""
    return run_jobs([lines_job(config, pairs, alphas, n_images, average)])[0]
