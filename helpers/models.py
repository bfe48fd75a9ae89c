"""The CIFAR ResNet of He et al. (2016): depth 6n+2, three stages of 16-32-64 channels.

Shortcuts are "option A" of the paper (identity, subsampled and zero-padded when the shape
changes), so ResNet-20/56/110 have the paper's 0.27M/0.85M/1.7M parameters. The head is either
the paper's global average pool + linear layer, or the seed notebook's concat-pool MLP (with its
dropout, or with the dropout off: the batch-size chapter's balance grid).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from fastai.layers import AdaptiveConcatPool2d, Flatten

HEADS = ("linear", "concat", "concat_no_dropout")  # the last: the seed notebook's head, dropout off


class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.stride, self.extra_channels = stride, c_out - c_in

    def shortcut(self, x):
        if self.stride > 1:
            x = x[:, :, ::self.stride, ::self.stride]
        if self.extra_channels:
            half = self.extra_channels // 2
            x = F.pad(x, (0, 0, 0, 0, half, self.extra_channels - half))
        return x

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


def make_head(kind, n_classes):
    if kind == "linear":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), Flatten(), nn.Linear(64, n_classes))
    p1, p2 = (0.25, 0.5) if kind == "concat" else (0.0, 0.0)
    return nn.Sequential(  # the seed notebook's head
        AdaptiveConcatPool2d(1), Flatten(),
        nn.BatchNorm1d(128), nn.Dropout(p1), nn.Linear(128, 128), nn.ReLU(inplace=True),
        nn.BatchNorm1d(128), nn.Dropout(p2), nn.Linear(128, n_classes))


class ResNet(nn.Module):
    def __init__(self, depth=56, n_classes=10, in_channels=3, head="linear"):
        super().__init__()
        if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
            raise ValueError(f"depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, ...), got {depth!r}")
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}")
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        blocks, c_in = [], 16
        for c_out, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(n):
                blocks.append(BasicBlock(c_in, c_out, stride if i == 0 else 1))
                c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = make_head(head, n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def resnet(depth=56, n_classes=10, in_channels=3, head="linear"):
    """A CIFAR ResNet in channels_last memory format (faster on CPUs and GPUs alike)."""
    return ResNet(depth, n_classes, in_channels, head).to(memory_format=torch.channels_last)


def n_params(model):
    return sum(p.numel() for p in model.parameters())
