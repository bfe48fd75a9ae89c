"""Schedule-Free optimizers (Defazio et al. 2024, the `schedulefree` package) in a fastai Learner.

A Schedule-Free optimizer trains at one point (y) and is evaluated at another (x, an average of
its iterates), so it must be told which: `optimizer.train()` before training steps and
`optimizer.eval()` before evaluating, as the package says. The averaged weights were never
trained on, so the BatchNorm statistics gathered in training belong to other weights; the
package's README recomputes them on some training batches before evaluating, here with
PyTorch's `torch.optim.swa_utils.update_bn` (through `helpers.evaluation`). `ScheduleFreeModes`
does both in every validation and puts the training statistics back afterwards. Since the run needs no stopping time, it also
evaluates after every epoch on the final test images: where the run could have stopped.
"""
import itertools

from fastai.callback.core import Callback

from .evaluation import bn_buffers, evaluate, load_bn_buffers, recompute_bn

BN_BATCHES = 50  # training batches that BatchNorm's statistics are recomputed on (the README's)


class ScheduleFreeModes(Callback):
    """Train at the optimizer's y, validate at its x with BatchNorm's statistics recomputed
    (`recompute_bn`) on `BN_BATCHES` batches of the training images, in a fixed order and without
    augmentation (the training stream of shuffling and augmentation is left untouched). After each
    training epoch the x weights are also evaluated on `anytime_dl`."""
    order = 5  # after fastai's TrainEvalCallback has set the model's mode
    # `self.opt.opt`: the package's optimizer inside fastai's OptimWrapper

    def __init__(self, anytime_dl=None, recompute_bn=True):
        self.anytime_dl, self.recompute_bn = anytime_dl, recompute_bn
        self.anytime = []

    def before_train(self):
        self.opt.opt.train()

    def before_validate(self):
        self.opt.opt.eval()
        self._saved = bn_buffers(self.model)
        if self.recompute_bn:
            loader = self.dls.train.new(shuffle=False, pad=0, flip=False)
            recompute_bn(self.model, itertools.islice(loader, BN_BATCHES))

    def after_validate(self):
        load_bn_buffers(self.model, self._saved)
        self.opt.opt.train()

    def after_train(self):
        """Evaluate where training could stop (x weights, statistics recomputed), then go on."""
        if self.anytime_dl is None:
            return
        self.before_validate()
        loss, acc = evaluate(self.model, self.anytime_dl)
        self.after_validate()
        self.model.train()
        self.anytime.append({"epoch": self.epoch + 1, "valid_loss": loss, "accuracy": acc})

    def summary(self, dl):
        """What the result keeps: the anytime evaluations, and the final x weights evaluated on `dl`
        with the statistics as training left them (no recompute)."""
        self.opt.opt.eval()
        loss, acc = evaluate(self.model, dl)
        self.opt.opt.train()
        return {"anytime": self.anytime, "without_bn_recompute": {"valid_loss": loss, "accuracy": acc},
                "bn_batches": BN_BATCHES if self.recompute_bn else 0}
