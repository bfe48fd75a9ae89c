"""Throughput benchmark: `python -m helpers.bench [--iters N]`.

Trains ResNet-20 on Fashion-MNIST for a fixed number of iterations three ways and prints images
per second for each:
  learner   the book's training path: its fastai Learner and per-iteration log on the helpers'
            tensor pipeline (data on the device, batched augmentation)
  hand      a hand-written PyTorch loop over the same loader, model and optimizer settings
  standard  fastai's standard pipeline: PNG files on disk, PIL item transforms, default workers
The last line is `ratios learner/hand=R1 learner/standard=R2`.

With `--grid RUNS`, it then trains RUNS one-epoch runs as one grid twice, each in a fresh process
(a process keeps the thread count it started with): serially with every core's thread in each
run (BOOK_WORKERS=1, BOOK_THREADS=cores) and in parallel with one thread per run (BOOK_WORKERS=
cores, BOOK_THREADS=1, Ray's start included), and prints the images per second of each and their
ratio. Which is faster depends on the CPU; the thread count is part of a result's bits, so a
chapter's results come from one setting (see the README).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
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

from .callbacks import IterationLog
from .config import make_config
from .data import channel_stats, get_dls, load_arrays
from .engine import default_device, make_learner
from .grid import run_jobs
from .models import resnet
from .runs import run_job

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


def grid_in_this_process(runs, images):
    """Train `runs` one-epoch runs of `images` images (the smoke profile's model, never saved) as
    one grid with this process's BOOK_WORKERS and BOOK_THREADS; print the images per second."""
    configs = [make_config("smoke", name="bench-grid", n_train=images, epochs=1, seed=s) for s in range(runs)]
    start = time.perf_counter()
    run_jobs([run_job(c) for c in configs])
    print(runs * images / (time.perf_counter() - start))


def grid_speed(runs, images, workers, threads):
    """Images per second of `grid_in_this_process` in a fresh process with these settings."""
    env = {**os.environ, "BOOK_WORKERS": str(workers), "BOOK_THREADS": str(threads), "BOOK_PROGRESS": "0"}
    code = f"from helpers.bench import grid_in_this_process; grid_in_this_process({runs}, {images})"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def compare_grids(runs, images, cores=None):
    """{setting: images/s} of the serial and the parallel grid, printed with their ratio."""
    cores = cores or os.cpu_count() or 1
    speeds = {f"serial ({cores} threads a run)": grid_speed(runs, images, 1, cores),
              f"parallel ({cores} runs of 1 thread)": grid_speed(runs, images, cores, 1)}
    for name, speed in speeds.items():
        print(f"{name:28s} {speed:8.0f} images/s")
    serial, parallel = speeds.values()
    print(f"grid ratio parallel/serial={parallel / serial:.2f}: "
          + ("the default (BOOK_WORKERS unset, BOOK_THREADS=1) is faster here" if parallel > serial else
             f"BOOK_WORKERS=1 BOOK_THREADS={cores} is faster here"))
    return speeds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=30, help="timed iterations per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="untimed iterations first")
    parser.add_argument("--repeats", type=int, default=3,
                        help="measurements per way, interleaved; the median counts (the machines are noisy)")
    parser.add_argument("--bs", type=int, default=128)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--grid", type=int, default=0, metavar="RUNS",
                        help="also time RUNS one-epoch runs as a serial and as a parallel grid")
    parser.add_argument("--grid-images", type=int, default=5000, help="training images of each grid run")
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
    if args.grid:
        compare_grids(args.grid, args.grid_images)
    return median["learner"], median["hand"], median["standard"]


if __name__ == "__main__":
    main()
