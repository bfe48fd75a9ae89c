"""Where a result came from: code version, libraries, machine, time."""
import datetime
import platform
import subprocess
import sys
from pathlib import Path

import fastai
import numpy
import torch
import torchvision

REPO = Path(__file__).resolve().parent.parent


def git_commit():
    """The commit of the repository, with '+dirty' when the helpers differ from it."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "helpers"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def device_name(device):
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def provenance(profile, device, wall_time_s):
    return {
        "profile": profile,
        "git_commit": git_commit(),
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "fastai": fastai.__version__,
                     "numpy": numpy.__version__},
        "device": device_name(device),
        "wall_time_s": round(wall_time_s, 2),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
