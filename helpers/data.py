"""Datasets as uint8 tensors, and a fast loader that keeps them on the training device.

Fashion-MNIST (the default) is read from its IDX files, CIFAR-10/100 from the official python
archives. Augmentation (random crop with zero padding, horizontal flip) and normalisation run on
whole batches on the device; batches come out in channels_last memory format.
"""
import gzip
import io
import pickle
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from fastai.data.core import DataLoaders

from . import settings

DATA_DIR = settings.DATA_DIR
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


class DatasetError(RuntimeError):
    """A dataset is missing, truncated or corrupt."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    channels: int
    size: int
    classes: tuple
    pad: int        # zero padding before the random crop
    flip: bool      # whether a horizontal flip keeps the label
    n_train: int    # images in the official training split
    parent: str = None  # a class split of another dataset: its name ...
    keep: tuple = ()    # ... and the parent's classes it keeps (indices), relabelled 0, 1, ...


DATASETS = {
    "fashion_mnist": DatasetInfo("fashion_mnist", 1, 28, (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"), pad=2, flip=True, n_train=60_000),
    "cifar10": DatasetInfo("cifar10", 3, 32, (
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck"), pad=4, flip=True, n_train=50_000),
    "cifar100": DatasetInfo("cifar100", 3, 32, tuple(f"class {i}" for i in range(100)),
                            pad=4, flip=True, n_train=50_000),
}


def class_split(parent, keep):
    """The dataset of `parent`'s classes `keep` (indices, relabelled 0, 1, ...), named like
    "fashion_mnist_0-4": one half to pretrain on, the other to fine-tune on."""
    p = DATASETS[parent]
    return DatasetInfo(f"{parent}_{keep[0]}-{keep[-1]}", p.channels, p.size, tuple(p.classes[i] for i in keep),
                       p.pad, p.flip, p.n_train * len(keep) // len(p.classes), parent, tuple(keep))


DATASETS.update({split.name: split for split in (class_split(name, keep) for name in ("fashion_mnist", "cifar10")
                                                 for keep in (tuple(range(5)), tuple(range(5, 10))))})


def dataset_info(name):
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {name!r}")
    return DATASETS[name]


def data_root():
    """Where datasets live: ``$BOOK_DATA`` if set, else the project's ``data/`` folder."""
    return settings.data_override() or DATA_DIR


# ---------------------------------------------------------------- Fashion-MNIST (IDX files)
FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path):
    """An IDX file (optionally gzipped) as a numpy array; a clear error if it is damaged."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DatasetError(f"{path} is truncated or corrupt ({e}); delete it and fetch it again") from e
    if len(raw) < 4 or raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DatasetError(f"{path} is not an IDX file of unsigned bytes (bad header)")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
    start = 4 + 4 * ndim
    if len(raw) - start != int(np.prod(dims)):
        raise DatasetError(f"{path} is truncated or corrupt: header says {tuple(dims)} "
                           f"({int(np.prod(dims))} bytes), file holds {len(raw) - start}")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims)


def _idx_file(folder, stem):
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def fashion_mnist_dirs():
    """The folders searched for Fashion-MNIST, in order."""
    dirs = []
    given = settings.data_override()
    if given:
        dirs += [given, given / "fashion-mnist"]
    dirs += [DATA_DIR / "fashion-mnist", DEBIAN_FASHION_MNIST, data_root() / "FashionMNIST" / "raw"]
    return dirs


def find_fashion_mnist(download=True):
    """The folder holding the four Fashion-MNIST IDX files; downloads them when it can."""
    for folder in fashion_mnist_dirs():
        if all(_idx_file(folder, s) for pair in FASHION_FILES.values() for s in pair):
            return folder
    if download:
        try:
            from torchvision.datasets import FashionMNIST
            FashionMNIST(root=str(data_root()), train=True, download=True)
            return find_fashion_mnist(download=False)
        except Exception as e:  # offline, or the mirrors are down
            reason = f"the download failed: {e}"
    else:
        reason = "no download was tried"
    raise DatasetError(
        "Fashion-MNIST was not found and " + reason + ". Get it one of three ways:\n"
        "  1. set BOOK_DATA to a folder holding train-/t10k-images-idx3-ubyte(.gz) and "
        "train-/t10k-labels-idx1-ubyte(.gz), or put those files in data/fashion-mnist/;\n"
        "  2. install the Debian package: sudo apt-get install dataset-fashion-mnist "
        f"(it puts them in {DEBIAN_FASHION_MNIST});\n"
        f"  3. run online once: torchvision downloads them into {data_root() / 'FashionMNIST' / 'raw'}.\n"
        "Searched: " + ", ".join(str(d) for d in fashion_mnist_dirs()))


def load_fashion_mnist():
    folder = find_fashion_mnist()
    out = []
    for split in ("train", "test"):
        images, labels = (read_idx(_idx_file(folder, s)) for s in FASHION_FILES[split])
        if len(images) != len(labels):
            raise DatasetError(f"{folder}: {len(images)} {split} images but {len(labels)} labels")
        out += [images[:, None], labels]
    return out


# ---------------------------------------------------------------- CIFAR (official python archives)
CIFAR_LAYOUT = {
    "cifar10": ("cifar-10-python.tar.gz", "cifar-10-batches-py",
                [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], b"labels"),
    "cifar100": ("cifar-100-python.tar.gz", "cifar-100-python", ["train"], ["test"], b"fine_labels"),
}


def _unpickle(blob, where):
    try:
        d = pickle.loads(blob, encoding="bytes")
        return d[b"data"], d
    except Exception as e:
        raise DatasetError(f"{where} is truncated or corrupt ({type(e).__name__}: {e})") from e


def write_cifar_archive(root, name, n_per_batch=5, seed=0):
    """A synthetic archive (random images and labels) in the layout and pickle format of the
    official CIFAR python version, written to `root`; returns {member: (images, labels)}. For
    tests, and for machines where CIFAR cannot be downloaded (`helpers.gpu_check`)."""
    archive, folder, train, test, label_key = CIFAR_LAYOUT[name]
    rng = np.random.default_rng(seed)
    written = {}
    with tarfile.open(Path(root) / archive, "w:gz", compresslevel=1) as tar:  # random bytes: no gain
        for member in train + test:
            images = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
            labels = rng.integers(0, 10 if name == "cifar10" else 100, n_per_batch).tolist()
            blob = pickle.dumps({b"data": images, label_key: labels, b"batch_label": member.encode()})
            info = tarfile.TarInfo(f"{folder}/{member}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
            written[member] = (images, labels)
    return written


def _read_cifar_members(name):
    """The raw bytes of each batch file, from the extracted folder or the archive."""
    archive, folder, train, test, _ = CIFAR_LAYOUT[name]
    root = data_root()
    members = train + test
    if all((root / folder / m).is_file() for m in members):
        return {m: ((root / folder / m).read_bytes(), root / folder / m) for m in members}
    if not (root / archive).is_file():
        try:
            from torchvision.datasets import CIFAR10, CIFAR100
            (CIFAR10 if name == "cifar10" else CIFAR100)(root=str(root), download=True)
            return _read_cifar_members(name)
        except Exception as e:
            raise DatasetError(
                f"{name} was not found: put the official archive {archive} (or its extracted folder "
                f"{folder}/) in {root}, or set BOOK_DATA to the folder holding it, or run online so "
                f"torchvision can download it (the download failed: {e})") from e
    path = root / archive
    try:
        with tarfile.open(path, "r:gz") as tar:
            return {m: (tar.extractfile(f"{folder}/{m}").read(), path) for m in members}
    except (tarfile.TarError, EOFError, OSError, KeyError, AttributeError) as e:
        raise DatasetError(f"{path} is truncated or corrupt ({type(e).__name__}: {e}); "
                           "delete it and fetch it again") from e


def load_cifar(name):
    _, _, train, test, label_key = CIFAR_LAYOUT[name]
    blobs = _read_cifar_members(name)
    out = []
    for members in (train, test):
        xs, ys = [], []
        for m in members:
            blob, where = blobs[m]
            data, d = _unpickle(blob, f"{where} ({m})")
            xs.append(np.asarray(data, dtype=np.uint8).reshape(-1, 3, 32, 32))
            ys.append(np.asarray(d[label_key], dtype=np.int64))
        out += [np.concatenate(xs), np.concatenate(ys)]
    return out


@lru_cache(maxsize=None)
def load_arrays(name):
    """(x_train, y_train, x_test, y_test): uint8 images N x C x H x W and int64 labels, on the CPU."""
    info = dataset_info(name)
    if info.parent:
        return keep_classes(load_arrays(info.parent), info.keep)
    arrays = load_fashion_mnist() if name == "fashion_mnist" else load_cifar(name)
    x_tr, y_tr, x_te, y_te = (torch.from_numpy(np.array(a)) for a in arrays)
    return x_tr, y_tr.long(), x_te, y_te.long()


def keep_classes(arrays, keep):
    """(x_train, y_train, x_test, y_test) with only the images of the classes `keep`, relabelled
    0, 1, ... in that order."""
    relabel = torch.full((int(max(keep)) + 1,), -1, dtype=torch.long)
    relabel[list(keep)] = torch.arange(len(keep))
    out = []
    for x, y in (arrays[:2], arrays[2:]):
        mask = torch.isin(y, torch.tensor(keep))
        out += [x[mask], relabel[y[mask]]]
    return tuple(out)


# ---------------------------------------------------------------- batched augmentation on the device
def random_crop(x, pad, generator):
    """Zero-pad a uint8 batch by `pad` and crop each image back to its size at a random offset."""
    n, c, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    dy, dx = torch.randint(0, 2 * pad + 1, (2, n), generator=generator, device=x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    chans = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[torch.arange(n, device=x.device)[:, None, None, None], chans, rows, cols]


def random_flip(x, generator):
    """Flip each image of the batch left-right with probability 1/2."""
    flip = torch.rand(len(x), generator=generator, device=x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


class TensorLoader:
    """Batches from uint8 tensors that live on the device: seeded shuffling, batched
    augmentation, normalisation, channels_last. Enough of fastai's DataLoader for a Learner."""

    def __init__(self, x, y, bs, mean, std, shuffle=False, drop_last=False, pad=0, flip=False,
                 seed=0, device=None):
        self.x, self.y, self.bs = x, y, bs
        self.mean, self.std = mean.view(1, -1, 1, 1), std.view(1, -1, 1, 1)
        self.shuffle, self.drop_last, self.pad, self.flip, self.seed = shuffle, drop_last, pad, flip, seed
        self.device = None
        self.to(device or x.device)

    @property
    def n(self):
        return len(self.x)

    @property
    def dataset(self):
        return self

    def __len__(self):
        return self.n // self.bs if self.drop_last else -(-self.n // self.bs)

    def to(self, device):
        """Move the data to `device`; the random stream (shuffling, augmentation) lives there too
        and starts again from the seed when the device changes."""
        if device is not None and torch.device(device) != self.device:
            self.device = torch.device(device)
            self.x, self.y = self.x.to(self.device), self.y.to(self.device)
            self.mean, self.std = self.mean.to(self.device), self.std.to(self.device)
            self.generator = torch.Generator(device=self.device).manual_seed(self.seed)
        return self

    def new(self, **changes):
        kw = dict(bs=self.bs, mean=self.mean, std=self.std, shuffle=self.shuffle,
                  drop_last=self.drop_last, pad=self.pad, flip=self.flip, seed=self.seed,
                  device=self.device)
        unknown = set(changes) - set(kw)
        if unknown:
            raise ValueError(f"TensorLoader.new: unknown arguments {sorted(unknown)}; allowed: {sorted(kw)}")
        kw.update(changes)
        return TensorLoader(self.x, self.y, **kw)

    def augment(self, xb):
        if self.pad:
            xb = random_crop(xb, self.pad, self.generator)
        if self.flip:
            xb = random_flip(xb, self.generator)
        return xb

    def normalize(self, xb):
        xb = (xb.float() / 255 - self.mean) / self.std
        return xb.contiguous(memory_format=torch.channels_last)

    def __iter__(self):
        order = (torch.randperm(self.n, generator=self.generator, device=self.device) if self.shuffle
                 else torch.arange(self.n, device=self.device))
        for i in range(len(self)):
            idx = order[i * self.bs:(i + 1) * self.bs]
            yield self.normalize(self.augment(self.x[idx])), self.y[idx]

    def one_batch(self):
        return next(iter(self))

    def to_detach(self, b, cpu=True, gather=True):
        """What fastai's metrics call on every batch: detach, but leave on the device (fastai's
        default copies to the CPU and so waits for the GPU every batch; metrics are read once
        per epoch)."""
        return b.detach() if isinstance(b, torch.Tensor) else [self.to_detach(x) for x in b]


@lru_cache(maxsize=None)
def channel_stats(name):
    """Per-channel mean and standard deviation of the whole training split, in [0, 1] units (a
    class split's are its parent's, so pretraining and fine-tuning see the same inputs)."""
    parent = dataset_info(name).parent
    if parent:
        return channel_stats(parent)
    x = load_arrays(name)[0]
    chans = [x[:, c].float().div_(255) for c in range(x.shape[1])]
    return torch.stack([c.mean() for c in chans]), torch.stack([c.std() for c in chans])


def subset_indices(n_total, n, seed=0):
    """A fixed random subset of `n` indices (all of them when n is 0 or >= n_total)."""
    if not n or n >= n_total:
        return torch.arange(n_total)
    return torch.randperm(n_total, generator=torch.Generator().manual_seed(seed))[:n].sort().values


def get_dls(dataset="fashion_mnist", n_train=0, n_valid=0, bs=128, seed=0, augment=True, device=None):
    """fastai DataLoaders over a fixed subset of the training split (shuffled, augmented) and of
    the official test split (used as validation set, as in the papers)."""
    info = dataset_info(dataset)
    x_tr, y_tr, x_te, y_te = load_arrays(dataset)
    tr, te = subset_indices(len(x_tr), n_train), subset_indices(len(x_te), n_valid)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    mean, std = channel_stats(dataset)
    train = TensorLoader(x_tr[tr], y_tr[tr], bs, mean, std, shuffle=True, drop_last=True,
                         pad=info.pad if augment else 0, flip=info.flip and augment,
                         seed=seed, device=device)
    valid = TensorLoader(x_te[te], y_te[te], bs * 2, mean, std, device=device)
    return DataLoaders(train, valid, device=device)


def test_loader(dataset="fashion_mnist", n_test=0, bs=256, device=None):
    """A loader over a fixed subset of `n_test` images of the official test split (all of them
    when n_test is 0 or at least its size), for final metrics."""
    x_te, y_te = load_arrays(dataset)[2:]
    te = subset_indices(len(x_te), n_test)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    return TensorLoader(x_te[te], y_te[te], bs, *channel_stats(dataset), device=device)


def main(argv=None):
    """`python -m helpers.data [--offline]`: say where Fashion-MNIST is, fetching it if allowed."""
    import argparse
    import sys
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--offline", action="store_true", help="only look, do not download")
    args = parser.parse_args(argv)
    try:
        print(f"Fashion-MNIST: {find_fashion_mnist(download=not args.offline)}")
    except DatasetError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()
