"""Evaluating a model outside fastai's loop: its BatchNorm layers, their statistics recomputed
(PyTorch's `swa_utils.update_bn`) or saved and put back, and loss and accuracy over batches.
Shared by the interpolation chapter and the Schedule-Free optimizers."""
import torch
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm
from torch.optim.swa_utils import update_bn


def batchnorms(model):
    return [m for m in model.modules() if isinstance(m, _BatchNorm)]


def recompute_bn(model, batches):
    """Replace every BatchNorm's running statistics by their plain average over `batches`
    (PyTorch's `swa_utils.update_bn`, as for averaged weights), and put the model in eval mode."""
    update_bn(batches, model)
    model.eval()


def bn_buffers(model):
    """Copies of every BatchNorm buffer (running statistics and counters)."""
    return [b.clone() for m in batchnorms(model) for b in m.buffers(recurse=False)]


def load_bn_buffers(model, saved):
    """Put back the buffers that `bn_buffers` copied."""
    for b, old in zip([b for m in batchnorms(model) for b in m.buffers(recurse=False)], saved):
        b.copy_(old)


@torch.no_grad()
def evaluate(model, batches):
    """Mean cross-entropy loss and accuracy of `model` (in eval mode) over `batches`; a
    non-finite output gives a NaN loss, which is returned, not raised."""
    model.eval()
    loss, correct, total = 0.0, 0, 0
    for xb, yb in batches:
        out = model(xb)
        loss += F.cross_entropy(out, yb, reduction="sum").item()
        correct += (out.argmax(1) == yb).sum().item()
        total += len(yb)
    return loss / total, correct / total
