import pytest
import torch

from helpers.models import n_params, resnet


@pytest.mark.parametrize("depth,expected", [(20, 0.27e6), (56, 0.85e6), (110, 1.7e6)])
def test_parameter_counts_match_he_et_al(depth, expected):
    assert n_params(resnet(depth, 10, 3)) == pytest.approx(expected, rel=0.02)


def test_resnet56_exact_count():
    assert n_params(resnet(56, 10, 3)) == 853_018


@pytest.mark.parametrize("channels,size,head", [(1, 28, "linear"), (3, 32, "linear"), (3, 32, "concat")])
def test_forward_shapes(channels, size, head):
    model = resnet(20, 100, channels, head).eval()
    assert model(torch.randn(2, channels, size, size)).shape == (2, 100)


def test_concat_head_is_the_seed_notebooks_mlp():
    head = resnet(8, 10, 3, "concat").head
    kinds = [type(m).__name__ for m in head]
    assert kinds == ["AdaptiveConcatPool2d", "Flatten", "BatchNorm1d", "Dropout", "Linear", "ReLU",
                     "BatchNorm1d", "Dropout", "Linear"]
    assert [m.p for m in head if isinstance(m, torch.nn.Dropout)] == [0.25, 0.5]


def test_concat_head_without_dropout_differs_only_in_dropout():
    with_dropout, without = resnet(8, 10, 3, "concat").head, resnet(8, 10, 3, "concat_no_dropout").head
    assert [type(m) for m in with_dropout] == [type(m) for m in without]
    assert [m.p for m in without if isinstance(m, torch.nn.Dropout)] == [0.0, 0.0]


def test_channels_last():
    weight = resnet(8, 10, 3).stem[0].weight
    assert weight.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("depth", [18, 52, 2, 7, 0, "56", 56.0])
def test_bad_depth(depth):
    with pytest.raises(ValueError, match="depth must be 6n\\+2"):
        resnet(depth)


def test_bad_head():
    with pytest.raises(ValueError, match="head must be one of"):
        resnet(20, head="mlp")
