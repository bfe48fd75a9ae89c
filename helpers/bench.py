"""Throughput benchmark: `python -m helpers.bench [--iters N]`.

Trains ResNet-20 on Fashion-MNIST for a fixed number of iterations three ways and prints images
per second for each:
  learner   the book's training path: its fastai Learner and per-iteration log on the helpers'
            tensor pipeline (data on the device, batched augmentation)
  hand      a hand-written PyTorch loop over the same loader, model and optimizer settings
  standard  fastai's standard pipeline: PNG files on disk, PIL item transforms, default workers
The last line is `ratios learner/hand=R1 learner/standard=R2`.
"""
import argparse
from functools import partial
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn as nn
from fastai.callback.core import Callback, CancelFitException
from fastai.data.block import CategoryBlock, DataBlock
from fastai.data.transforms import GrandparentSplitter, Normalize, get_image_files, parent_label
from fastai.learner import Learner
from fastai.optimizer import OptimWrapper
from fastai.vision.augment import CropPad, FlipItem, RandomCrop
from fastai.vision.core import PILImageBW
from fastai.vision.data import ImageBlock
from PIL import Image

from .data import channel_stats, get_dls, load_arrays
from .callbacks import IterationLog
from .engine import default_device, make_learner
from .models import resnet

LR, MOM, WD = 0.05, 0.9, 1e-4


class StopWatch(Callback):
    "Time `iters` training batches after `warmup` ones, then stop the fit."
    order = 99

    def __init__(self, warmup, iters):
        self.warmup, self.iters = warmup, iters
        self.done, self.images = 0, 0

    def before_batch(self):
        if self.done == self.warmup:
            sync(self.dls.device)
            self.start = time.perf_counter()

    def after_batch(self):
        self.done += 1
        if self.done > self.warmup:
            self.images += len(self.learn.yb[0])
        if self.done == self.warmup + self.iters:
            sync(self.dls.device)
            self.seconds = time.perf_counter() - self.start
            raise CancelFitException()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_learner(dls, model, warmup, iters, book=True):
    """Images/s of fastai's fit; `book`: the book's training path (its Learner with the
    per-iteration log), else a plain fastai Learner."""
    watch = StopWatch(warmup, iters)
    if book:
        learn = make_learner(dls, model, "sgd", MOM, LR, WD, cbs=[IterationLog(), watch])
    else:
        learn = Learner(dls, model, loss_func=nn.CrossEntropyLoss(), lr=LR, wd=WD, cbs=watch,
                        opt_func=partial(OptimWrapper, opt=torch.optim.SGD, momentum=MOM))
    n_epoch = (warmup + iters) // len(dls.train) + 1
    with learn.no_bar(), learn.no_logging():
        learn.fit(n_epoch, lr=LR)
    return watch.images / watch.seconds


def time_hand_loop(loader, model, warmup, iters, device):
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOM, weight_decay=WD)
    model.train()
    done, images, start = 0, 0, None
    while done < warmup + iters:
        for xb, yb in loader:
            if done == warmup:
                sync(device)
                start = time.perf_counter()
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            images += len(yb) if done >= warmup else 0
            done += 1
            if done == warmup + iters:
                break
    sync(device)
    return images / (time.perf_counter() - start)


def write_pngs(folder, n_images, n_valid=64):
    """Fashion-MNIST images as PNG files in train/<label>/ and valid/<label>/ folders."""
    x, y = load_arrays("fashion_mnist")[:2]
    for i in range(n_images + n_valid):
        split = "train" if i < n_images else "valid"
        out = folder / split / str(int(y[i]))
        out.mkdir(parents=True, exist_ok=True)
        Image.fromarray(x[i, 0].numpy()).save(out / f"{i}.png")


def standard_dls(folder, bs, device):
    mean, std = channel_stats("fashion_mnist")
    block = DataBlock(blocks=(ImageBlock(cls=PILImageBW), CategoryBlock), get_items=get_image_files,
                      get_y=parent_label, splitter=GrandparentSplitter(valid_name="valid"),
                      item_tfms=[CropPad(32), RandomCrop(28), FlipItem(0.5)],
                      batch_tfms=Normalize.from_stats(mean, std))
    return block.dataloaders(folder, bs=bs, device=device)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=30, help="timed iterations per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="untimed iterations first")
    parser.add_argument("--repeats", type=int, default=3,
                        help="measurements per way, interleaved; the median counts (the machines are noisy)")
    parser.add_argument("--bs", type=int, default=128)
    parser.add_argument("--depth", type=int, default=20)
    args = parser.parse_args(argv)
    device = default_device()
    n_train = args.bs * (args.warmup + args.iters)
    torch.manual_seed(0)
    dls = get_dls("fashion_mnist", n_train=n_train, n_valid=256, bs=args.bs, device=device)
    speeds = {"learner": [], "hand": [], "standard": []}
    with tempfile.TemporaryDirectory() as tmp:
        write_pngs(Path(tmp), n_train)
        files = standard_dls(Path(tmp), args.bs, device)
        for _ in range(args.repeats):
            speeds["learner"].append(time_learner(dls, resnet(args.depth, 10, 1).to(device), args.warmup, args.iters))
            speeds["hand"].append(time_hand_loop(dls.train, resnet(args.depth, 10, 1).to(device),
                                                 args.warmup, args.iters, device))
            model = resnet(args.depth, 10, 1).to(device, memory_format=torch.contiguous_format)
            speeds["standard"].append(time_learner(files, model, args.warmup, args.iters, book=False))

    print(f"device: {device}, ResNet-{args.depth}, batch {args.bs}, {args.iters} timed iterations, "
          f"median of {args.repeats}")
    median = {name: statistics.median(values) for name, values in speeds.items()}
    for name, values in speeds.items():
        print(f"{name:9s} {median[name]:10.0f} images/s   (all: {', '.join(f'{v:.0f}' for v in values)})")
    print(f"ratios learner/hand={median['learner'] / median['hand']:.2f} "
          f"learner/standard={median['learner'] / median['standard']:.2f}")
    return median["learner"], median["hand"], median["standard"]


if __name__ == "__main__":
    main()
