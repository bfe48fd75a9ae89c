import pytest
import torch

from helpers.experiments import make_config, run
from helpers.schedules import CLR_MODES, clr_lr, clr_schedule


@pytest.mark.parametrize("mode", CLR_MODES)
def test_clr_matches_pytorch_cycliclr(mode):
    base, top, step, gamma, n = 0.01, 0.3, 37, 0.997, 400
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base)
    torch_sched = torch.optim.lr_scheduler.CyclicLR(opt, base, top, step_size_up=step, mode=mode,
                                                    gamma=gamma, cycle_momentum=False)
    theirs = []
    for _ in range(n):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        torch_sched.step()
    ours = [clr_lr(i, base, top, step, mode, gamma) for i in range(n)]
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def test_schedule_of_training_fraction():
    f = clr_schedule(100, 0.1, 0.6, 10)
    assert [f(i / 100) for i in range(100)] == pytest.approx([clr_lr(i, 0.1, 0.6, 10) for i in range(100)])


@pytest.mark.parametrize("kw,match", [(dict(mode="cosine"), "mode"), (dict(base_lr=0.7), "base_lr"),
                                      (dict(step_size=0), "step_size")])
def test_bad_clr_arguments(kw, match):
    args = {**dict(n_iter=100, base_lr=0.1, max_lr=0.6, step_size=10), **kw}
    with pytest.raises(ValueError, match=match):
        clr_schedule(**args)


@pytest.mark.parametrize("mode", CLR_MODES)
def test_training_follows_the_cyclical_schedule(mode):
    config = make_config("smoke", n_train=512, batch_size=64, epochs=3, schedule=mode, lr=0.3,
                         base_lr=0.05, step_epochs=0.5, clr_gamma=0.99)
    lrs = run(config)["history"]["iteration"]["lr"]
    assert len(lrs) == 24
    assert lrs == pytest.approx([clr_lr(i, 0.05, 0.3, 4, mode, 0.99) for i in range(24)])
