"""fastai's learning-rate suggestions, computed from a saved range test.

`Learner.lr_find` applies its suggestion functions to the smoothed training loss after
dropping the first tenth and the last five iterations, and everything from the first NaN on;
`suggestions` does the same to a cached `range_test` result, so the chapters can compare the
suggestions without re-running the test (the unit tests check it against `lr_find` itself).
"""
import torch
from fastai.callback.schedule import minimum, slide, steep, valley

SUGGESTERS = {"minimum/10": minimum, "steep": steep, "valley": valley, "slide": slide}


def trimmed_curve(finder):
    num_it = finder["finder"]["num_it"]
    lrs = torch.tensor(finder["lr"][num_it // 10:-5])
    losses = torch.tensor(finder["train_loss_smooth"][num_it // 10:-5])
    nans = torch.nonzero(torch.isnan(losses))
    if len(nans):
        lrs, losses = lrs[:int(nans.min())], losses[:int(nans.min())]
    return lrs, losses, num_it


def suggestion(finder, method):
    """fastai's suggestion `method` (a key of `SUGGESTERS`, or "loss minimum") for one test; fastai's
    valley is slow, so a chapter that needs one suggestion computes only that one."""
    lrs, losses, num_it = trimmed_curve(finder)
    if method == "loss minimum":
        return float(lrs[losses.argmin()])
    return float(SUGGESTERS[method](lrs, losses, num_it)[0])


def suggestions(finder):
    """{method: learning rate} for fastai's four suggestions, plus the loss minimum itself."""
    lrs, losses, num_it = trimmed_curve(finder)
    out = {name: float(f(lrs, losses, num_it)[0]) for name, f in SUGGESTERS.items()}
    out["loss minimum"] = float(lrs[losses.argmin()])
    return out
