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

from .settings import ROOT



def git_commit():
    """The commit of the repository, with '+dirty' when the helpers differ from it."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "helpers"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):  # no git: a copy of the tree on a GPU machine?
        bundled = ROOT / ".gpu" / "COMMIT"  # written by `helpers.gpu_check --bundle`
        return f"{bundled.read_text().strip()} (bundled)" if bundled.exists() else "unknown"


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(device):
    """Where a result is computed: the CPU, the vector instructions torch uses on it (results
    are bit-exact only on the same kind and thread count), the threads, and the GPU if any."""
    device = torch.device(device)
    return {"cpu": cpu_model(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None}


def device_name(device):
    """One line for tables: the GPU's name, or the CPU's with its capability and threads."""
    m = machine(device)
    return m["gpu"] or f"cpu ({m['cpu']}, {m['cpu_capability']}, {m['threads']} threads)"


def provenance(profile, device, wall_time_s):
    return {
        "profile": profile,
        "git_commit": git_commit(),
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "fastai": fastai.__version__,
                     "numpy": numpy.__version__},
        "device": device_name(device),
        "machine": machine(device),
        "wall_time_s": round(wall_time_s, 2),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
