import gzip
import tarfile

import numpy as np
import pytest
import torch

from helpers import data
from helpers.data import DatasetError, get_dls, load_arrays, random_crop, random_flip, read_idx


def test_fashion_mnist_shapes():
    x_tr, y_tr, x_te, y_te = load_arrays("fashion_mnist")
    assert x_tr.shape == (60_000, 1, 28, 28) and x_te.shape == (10_000, 1, 28, 28)
    assert x_tr.dtype == torch.uint8 and y_tr.dtype == torch.int64
    assert set(y_tr.unique().tolist()) == set(range(10)) and len(y_te) == 10_000


def test_loader_batches():
    dls = get_dls("fashion_mnist", n_train=640, n_valid=300, bs=64, seed=0, device="cpu")
    xb, yb = dls.train.one_batch()
    assert xb.shape == (64, 1, 28, 28) and xb.dtype == torch.float32 and yb.shape == (64,)
    assert xb.is_contiguous(memory_format=torch.channels_last)
    assert len(dls.train) == 10 and len(dls.valid) == 3  # drop_last only when training
    assert sum(len(y) for _, y in dls.valid) == 300
    xs = torch.cat([x for x, _ in dls.valid])
    assert abs(xs.mean()) < 0.2 and 0.8 < xs.std() < 1.2  # normalised


def test_same_seed_same_batches_other_seed_other_batches():
    def first(seed):
        return get_dls("fashion_mnist", n_train=512, n_valid=64, bs=32, seed=seed, device="cpu").train.one_batch()
    (a, ya), (b, yb), (_, yc) = first(3), first(3), first(4)
    assert torch.equal(a, b) and torch.equal(ya, yb)
    assert not torch.equal(ya, yc)


def test_subset_is_fixed_across_seeds():
    def labels(seed):
        return sorted(get_dls("fashion_mnist", n_train=256, n_valid=64, bs=32, seed=seed, device="cpu").train.y.tolist())
    assert labels(0) == labels(1)


def test_augmentation_changes_pixels_and_keeps_shape():
    x = load_arrays("fashion_mnist")[0][:256]
    g = torch.Generator().manual_seed(0)
    cropped = random_crop(x, 2, g)
    assert cropped.shape == x.shape and cropped.dtype == torch.uint8
    changed = (cropped != x).flatten(1).any(1)
    assert 0.5 < changed.float().mean() < 1  # 1 in 25 offsets is the identity
    flipped = random_flip(x, g)
    is_flip = (flipped == x.flip(3)).flatten(1).all(1)
    is_same = (flipped == x).flatten(1).all(1)
    assert (is_flip | is_same).all() and 0.3 < is_flip.float().mean() < 0.7


def test_crop_is_a_shift_of_the_padded_image():
    x = torch.arange(2 * 3 * 5 * 5, dtype=torch.uint8).reshape(2, 3, 5, 5)
    out = random_crop(x, 1, torch.Generator().manual_seed(1))
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    for i in range(2):
        assert any(torch.equal(out[i], padded[i, :, dy:dy + 5, dx:dx + 5]) for dy in range(3) for dx in range(3))


def test_augmented_training_batches_differ_from_plain_ones():
    plain = get_dls("fashion_mnist", n_train=256, n_valid=64, bs=256, seed=0, augment=False, device="cpu")
    augm = get_dls("fashion_mnist", n_train=256, n_valid=64, bs=256, seed=0, augment=True, device="cpu")
    (xp, yp), (xa, ya) = plain.train.one_batch(), augm.train.one_batch()
    assert torch.equal(yp, ya) and not torch.equal(xp, xa)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="dataset must be one of"):
        get_dls("mnist")


# ---- damaged and missing files
def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)


def test_read_idx_roundtrip(tmp_path):
    a = np.random.default_rng(0).integers(0, 255, (4, 3, 2)).astype(np.uint8)
    write_idx(tmp_path / "a.gz", a)
    assert np.array_equal(read_idx(tmp_path / "a.gz"), a)


def test_truncated_idx_names_the_file(tmp_path):
    write_idx(tmp_path / "t.gz", np.zeros((4, 28, 28)))
    blob = (tmp_path / "t.gz").read_bytes()
    (tmp_path / "t.gz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match="t.gz is truncated or corrupt"):
        read_idx(tmp_path / "t.gz")
    write_idx(tmp_path / "short", np.zeros((4, 28, 28)))
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-10])
    with pytest.raises(DatasetError, match="short is truncated or corrupt"):
        read_idx(tmp_path / "short")
    (tmp_path / "junk").write_bytes(b"hello world")
    with pytest.raises(DatasetError, match="junk is not an IDX file"):
        read_idx(tmp_path / "junk")


@pytest.fixture
def no_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOK_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "nodata")
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "nodebian")
    import torchvision.datasets as tvd

    def offline(*args, **kwargs):
        raise OSError("no internet")
    monkeypatch.setattr(tvd, "FashionMNIST", offline)
    monkeypatch.setattr(tvd, "CIFAR10", offline)
    monkeypatch.setattr(tvd, "CIFAR100", offline)
    load_arrays.cache_clear()
    yield tmp_path
    load_arrays.cache_clear()


def test_missing_fashion_mnist_names_all_three_ways(no_dataset):
    with pytest.raises(DatasetError) as err:
        data.find_fashion_mnist()
    msg = str(err.value)
    assert "BOOK_DATA" in msg and "apt-get install dataset-fashion-mnist" in msg and "torchvision" in msg
    assert "no internet" in msg


def test_fashion_mnist_from_book_data(no_dataset):
    folder = no_dataset / "empty"
    folder.mkdir()
    for split, n in (("train", 6), ("t10k", 4)):
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", np.full((n, 28, 28), 7))
        write_idx(folder / f"{split}-labels-idx1-ubyte", np.arange(n) % 10)
    x_tr, y_tr, x_te, y_te = load_arrays("fashion_mnist")
    assert x_tr.shape == (6, 1, 28, 28) and (x_tr == 7).all() and y_te.tolist() == [0, 1, 2, 3]


# ---- CIFAR in the official python format, written small
def cifar_archive(root, name, n_per_batch=5):
    return data.write_cifar_archive(root, name, n_per_batch)


@pytest.mark.parametrize("name,n_train_batches", [("cifar10", 5), ("cifar100", 1)])
def test_cifar_from_official_archive(no_dataset, name, n_train_batches):
    root = no_dataset / "empty"
    root.mkdir()
    expected = cifar_archive(root, name)
    x_tr, y_tr, x_te, y_te = load_arrays(name)
    assert x_tr.shape == (5 * n_train_batches, 3, 32, 32) and x_te.shape == (5, 3, 32, 32)
    test_member = data.CIFAR_LAYOUT[name][3][0]
    images, labels = expected[test_member]
    assert np.array_equal(x_te.numpy().reshape(5, -1), images) and y_te.tolist() == labels
    dls = get_dls(name, bs=2, device="cpu")
    assert dls.train.one_batch()[0].shape == (2, 3, 32, 32)


def test_cifar_from_extracted_folder(no_dataset):
    root = no_dataset / "empty"
    root.mkdir()
    cifar_archive(root, "cifar10")
    with tarfile.open(root / "cifar-10-python.tar.gz") as tar:
        tar.extractall(root, filter="data")
    (root / "cifar-10-python.tar.gz").unlink()
    assert load_arrays("cifar10")[0].shape == (25, 3, 32, 32)


def test_truncated_cifar_archive_names_the_file(no_dataset):
    root = no_dataset / "empty"
    root.mkdir()
    cifar_archive(root, "cifar10", n_per_batch=200)
    path = root / "cifar-10-python.tar.gz"
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(DatasetError, match="cifar-10-python.tar.gz is truncated or corrupt"):
        load_arrays("cifar10")


def test_corrupt_cifar_batch_names_the_file(no_dataset):
    root = no_dataset / "empty"
    (root / "cifar-100-python").mkdir(parents=True)
    for member in ("train", "test"):
        (root / "cifar-100-python" / member).write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match="cifar-100-python/train .*truncated or corrupt"):
        load_arrays("cifar100")


def test_missing_cifar_says_how_to_get_it(no_dataset):
    with pytest.raises(DatasetError, match="cifar-10-python.tar.gz.*BOOK_DATA.*torchvision"):
        load_arrays("cifar10")


def test_a_class_split_keeps_its_classes_relabelled_from_zero_with_its_parents_statistics():
    from helpers.data import channel_stats, dataset_info
    x_tr, y_tr, x_te, y_te = load_arrays("fashion_mnist")
    sx_tr, sy_tr, sx_te, sy_te = load_arrays("fashion_mnist_5-9")
    info = dataset_info("fashion_mnist_5-9")
    assert info.classes == ("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot") and info.n_train == len(sx_tr)
    assert torch.equal(sx_tr, x_tr[y_tr >= 5]) and torch.equal(sy_tr, y_tr[y_tr >= 5] - 5)
    assert torch.equal(sx_te, x_te[y_te >= 5]) and torch.equal(sy_te, y_te[y_te >= 5] - 5)
    assert set(load_arrays("fashion_mnist_0-4")[1].tolist()) == {0, 1, 2, 3, 4}
    split, whole = channel_stats("fashion_mnist_0-4"), channel_stats("fashion_mnist")
    assert all(torch.equal(a, b) for a, b in zip(split, whole))
