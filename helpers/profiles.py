"""Run profiles: every size the book depends on lives here and nowhere else.

`smoke` is tiny (nbval in CI), `cpu` is the reduced-scale reproduction the rendered
book shows, `paper` is the papers' scale (CIFAR-10, ResNet-56) for a GPU, and `gpu` the
super-convergence headline at a scale between (all of Fashion-MNIST, ResNet-20, batch 1000) that
`make gpu-check` computes on one GPU in minutes (`helpers.gpu_check`).
Pick one with the environment variable ``BOOK_PROFILE`` (default ``cpu``).
"""
from dataclasses import asdict, dataclass, replace

from .settings import profile_name


@dataclass(frozen=True)
class Profile:
    name: str
    dataset: str          # key of helpers.data.DATASETS
    depth: int            # ResNet depth, 6n+2
    n_train: int          # training images (a fixed, seeded subset; None-like 0 means all)
    n_valid: int          # validation images taken from the official test split (per epoch)
    batch_size: int
    epochs: int           # the budget of one "short run" in the chapters
    seeds: tuple          # seeds every compared setting is trained with
    finder_iters: int     # iterations of one LR range test
    n_test: int           # final metrics on this many test-split images (all: the full test set)
    cache: bool = True    # whether results are saved in book/results/<name>/ and read back
    threads: int = 0      # intra-op threads every run of the profile uses (0: BOOK_THREADS)

    def as_dict(self):
        return asdict(self)


PROFILES = {
    "smoke": Profile("smoke", "fashion_mnist", depth=8, n_train=512, n_valid=256,
                     batch_size=64, epochs=1, seeds=(0, 1), finder_iters=40, n_test=512, cache=False),
    "cpu": Profile("cpu", "fashion_mnist", depth=8, n_train=10_000, n_valid=2_000,
                   batch_size=128, epochs=4, seeds=(0, 1, 2, 3, 4), finder_iters=400, n_test=10_000),
    "paper": Profile("paper", "cifar10", depth=56, n_train=50_000, n_valid=10_000,
                     batch_size=1000, epochs=200, seeds=(0, 1, 2, 3, 4), finder_iters=400, n_test=10_000),
    # A budget of 240 iterations: the step schedule's doublings reach the thousands.
    "gpu": Profile("gpu", "fashion_mnist", depth=20, n_train=60_000, n_valid=10_000,
                   batch_size=1000, epochs=4, seeds=(0, 1, 2, 3, 4), finder_iters=400, n_test=10_000),
}

# The smoke and cpu profiles on another engine setting: two threads per run (other kernels, other
# sums), their results stored apart; the engine chapter checks that no verdict moves with it.
PROFILES.update({f"{name}-2threads": replace(PROFILES[name], name=f"{name}-2threads", threads=2)
                 for name in ("smoke", "cpu")})
# The cpu profile's runs computed on a GPU (other kernels, another device), stored apart: the
# verdicts of the book should not move with them (`helpers.gpu_check`).
PROFILES["cpu-gpu"] = replace(PROFILES["cpu"], name="cpu-gpu")

def get_profile(name=None):
    """The profile called `name`, or the one named by ``BOOK_PROFILE`` (default ``cpu``)."""
    name = name if name is not None else profile_name()
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, got {name!r} "
                         "(set BOOK_PROFILE or pass a name)")
    return PROFILES[name]

