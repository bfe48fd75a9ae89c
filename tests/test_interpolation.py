import math

import pytest
import torch
import torch.nn as nn

from helpers.config import make_config
from helpers.interpolation import (averaged, interpolate, interpolation, loss_along_line, recompute_bn,
                                   relative_distance)


def tiny_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))


def batches(n=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(8, 1, 8, 8, generator=g) * 2 + 1, torch.randint(0, 3, (8,), generator=g)) for _ in range(n)]


def test_interpolate_ends_middle_and_integer_buffers():
    a, b = tiny_model().state_dict(), {k: v.clone() for k, v in tiny_model().state_dict().items()}
    for k, v in b.items():
        if v.is_floating_point():
            v.add_(1.0)
    b["1.num_batches_tracked"].fill_(7)
    assert all(torch.equal(interpolate(a, b, 0.0)[k], a[k]) for k in a)
    assert all(torch.allclose(interpolate(a, b, 1.0)[k], b[k]) for k in a if a[k].is_floating_point())
    mid = interpolate(a, b, 0.5)
    assert torch.allclose(mid["0.weight"], a["0.weight"] + 0.5)
    assert mid["1.num_batches_tracked"] == a["1.num_batches_tracked"]  # integers come from state1
    with pytest.raises(ValueError, match="same architecture"):
        interpolate(a, {k: v for k, v in b.items() if k != "0.bias"}, 0.5)


def test_recomputed_statistics_are_those_of_the_interpolated_weights():
    model, train = tiny_model(), batches(1)
    s1 = {k: v.clone() for k, v in model.state_dict().items()}
    s2 = {k: v + 1.0 if v.is_floating_point() else v for k, v in s1.items()}
    s2["1.running_mean"].fill_(100.0)  # stale statistics, which recomputing replaces
    s2["1.running_var"].fill_(-5.0)
    rows = loss_along_line(model, s1, s2, [0.5], train, batches(1, seed=1), bn="recomputed")
    features = nn.functional.conv2d(train[0][0], s1["0.weight"] + 0.5, s1["0.bias"] + 0.5)
    assert torch.allclose(model[1].running_mean, features.mean((0, 2, 3)), atol=1e-5)
    assert rows["min_running_var"] == pytest.approx([features.var((0, 2, 3)).min().item()], rel=1e-4)
    model.train()
    recompute_bn(model, train)
    assert not model.training


def test_extrapolated_statistics_go_negative_and_the_loss_is_nan_not_an_error():
    model = tiny_model()
    s1 = {k: v.clone() for k, v in model.state_dict().items()}
    s2 = {k: v.clone() for k, v in model.state_dict().items()}
    s1["1.running_var"].fill_(1.0)
    s2["1.running_var"].fill_(3.0)
    rows = loss_along_line(model, s1, s2, [-1.0, 0.0, 1.0], batches(1), batches(1, seed=1), bn="interpolated")
    assert rows["min_running_var"] == pytest.approx([-1.0, 1.0, 3.0])
    assert math.isnan(rows["valid_loss"][0]) and math.isfinite(rows["valid_loss"][1])
    fixed = loss_along_line(model, s1, s2, [-1.0], batches(1), batches(1, seed=1), bn="recomputed")
    assert math.isfinite(fixed["valid_loss"][0]) and fixed["min_running_var"][0] > 0
    with pytest.raises(ValueError, match="bn must be one of"):
        loss_along_line(model, s1, s2, [0.5], batches(1), batches(1), bn="running")


def test_interpolation_of_a_run_starts_at_its_snapshot():
    config = make_config("smoke", n_train=256, n_valid=128, n_test=0, batch_size=64, epochs=2, lr=0.1)
    result = interpolation(config, {"line": (1, 2)}, [0.0, 0.5, 1.0, 3.0], n_images=128, average=(1, 2))
    line = result["lines"]["line"]
    assert line["epochs"] == [1, 2] and line["interpolated"]["alpha"] == [0.0, 0.5, 1.0, 3.0]
    assert line["distance"] > 0 and result["average"]["epochs"] == [1, 2]
    assert 0 <= result["average"]["accuracy"] <= 1 and math.isfinite(result["average"]["loss"])
    for bn in ("interpolated", "recomputed"):
        assert all(0 <= a <= 1 for a in line[bn]["valid_acc"])
    # at alpha = 1 with interpolated statistics the model is the final one, as validated after training (n_test 0)
    assert line["interpolated"]["valid_loss"][2] == pytest.approx(result["run"]["final"]["valid_loss"], rel=1e-4)
    with pytest.raises(ValueError, match="pairs"):
        interpolation(config, {"line": (2, 3)}, [0.5])
    with pytest.raises(ValueError, match="average"):
        interpolation(config, {"line": (1, 2)}, [0.5], average=(2,))


def test_the_average_of_states_is_swa_utils_mean_with_its_own_statistics():
    model, train = tiny_model(), batches(2)
    s1 = {k: v.clone() for k, v in model.state_dict().items()}
    s2 = {k: v + 1.0 if v.is_floating_point() else v for k, v in s1.items()}
    s3 = {k: v - 4.0 if v.is_floating_point() else v for k, v in s1.items()}
    average = averaged(model, [s1, s2, s3], train)
    assert torch.allclose(average.module[0].weight, s1["0.weight"] - 1.0, atol=1e-6)  # the mean of the three
    assert not average.training
    features = torch.cat([nn.functional.conv2d(x, s1["0.weight"] - 1.0, s1["0.bias"] - 1.0) for x, _ in train])
    assert torch.allclose(average.module[1].running_mean, features.mean((0, 2, 3)), atol=1e-4)
    assert relative_distance(s1, s1) == 0
    weights = [k for k in s1 if "running" not in k and s1[k].is_floating_point()]
    norm = sum(float(s1[k].pow(2).sum()) for k in weights) ** 0.5
    assert relative_distance(s1, s2) == pytest.approx(sum(s1[k].numel() for k in weights) ** 0.5 / norm)


def test_barrier_height_and_lowest_alpha_of_a_line():
    from helpers.analysis import barrier_height, lowest_alpha
    rows = {"alpha": [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5], "valid_loss": [0.1, 3.0, 1.0, 2.0, 1.5, float("nan")]}
    assert barrier_height(rows) == 0.5  # 2.0 inside, above the higher end 1.5
    assert lowest_alpha(rows) == 0.0  # -1 lies outside [-0.5, 1.5]; the NaN is skipped
    assert lowest_alpha(rows, lo=-1.0) == -1.0
    rows["train_loss"] = [0.0, 1.0, 0.5, 0.2, 0.3, 0.1]
    assert lowest_alpha(rows, column="train_loss") == 1.5 and lowest_alpha(rows, hi=1, column="train_loss") == 0.5
    valley = {"alpha": [0.0, 0.5, 1.0], "valid_loss": [1.0, 0.5, 0.8]}
    assert barrier_height(valley) == 0 and lowest_alpha(valley) == 0.5  # no rise above the ends
