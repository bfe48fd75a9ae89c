"""`python -m helpers.gpu_check [--dry-run] [--minutes M] [--steps ...] [--out DIR]`: the book's
checks on one GPU, in one go (`make gpu-check`).

The steps, in order. Each runs in a process of its own under a time limit, its output in
logs/<step>.log and its numbers in report.json; a step that fails or runs out of time is
reported so, and the next one starts:

  unit      the unit tests that train (`CUDA_TESTS`), on the GPU
  bench     `helpers.bench` at batch 128 and 512: images/s of the book's Learner, a hand-written
            loop and fastai's standard pipeline (learner/hand should be at least 0.95 at 512)
  runs      1, 2, 4 and 8 processes training the cpu profile's network at once on the GPU: the
            images/s of them all, for `BOOK_RUNS_PER_GPU`
  paper     the paper profile's code path (a range test and a 1cycle run of ResNet-56 at batch
            1000) on a synthetic CIFAR-10 archive in the official format, written here because
            CIFAR-10 cannot be downloaded there: seconds per iteration
  headline  the super-convergence claims in the gpu profile, saved in book/results/gpu/
  cpu       the claims of the cpu profile computed again on the GPU (book/results/cpu-gpu/), and
            whether any verdict differs from the committed cpu results'

`headline` and `cpu` go on from the cache: run them again (`--steps headline cpu`) to finish.
--out receives report.json, `gpu-check.tar.gz` (the report, the logs, book/results/gpu/) and
`cpu-gpu.tar.gz` (book/results/cpu-gpu/); unpack the archives at the repository's root.

`--dry-run` runs every step on this machine at a toy size (the smoke profile, a few iterations,
one file of tests) to test the script before a GPU's minutes go into it.

A lent GPU machine has PyTorch but neither fastai nor Ray, and no internet; its working tree may
not exceed 64 MiB. `--bundle` writes what it lacks into `.gpu/` (ignored by git): the wheels of
`WHEELS` (Ray's is too large to carry: there the grids run in a pool of processes, see
`helpers.grid`) and Fashion-MNIST, and checks the size of what travels. Then, there, with `.gpu`
carried: `DEVICE_COMMAND`.
"""
import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

from .cache import save_json
from .settings import ROOT, environment

STEPS = ("unit", "bench", "runs", "paper", "headline", "cpu")
LIMITS = {"unit": 120, "bench": 60, "runs": 90, "paper": 60}  # seconds; the last two take what is left
RESERVE = 20  # seconds kept for packing the archives
CUDA_TESTS = ("test_models", "test_data", "test_callbacks", "test_schedules", "test_runs", "test_clipping",
              "test_trajectory", "test_interpolation", "test_schedule_free", "test_finetune")
CONCURRENT = (1, 2, 4, 8)
ARCHIVES = {"gpu-check.tar.gz": "gpu", "cpu-gpu.tar.gz": "cpu-gpu"}
BUNDLE = ROOT / ".gpu"
WHEELS = ("fastai", "fastcore", "fastprogress", "fasttransform", "fastdownload", "plum-dispatch", "beartype",
          "python-fasthtml", "starlette", "itsdangerous", "python-multipart", "sniffio", "defusedxml", "docutils",
          "schedulefree")  # what the helpers and CUDA_TESTS import that the GPU machine's image lacks
TRAVELS_AT_MOST = 64 * 2 ** 20  # bytes of working tree a GPU machine receives
RETURNS_AT_MOST = 16 * 2 ** 20  # bytes of one file it sends back
DEVICE_COMMAND = ("python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .gpu/wheels/*.whl "
                  "&& PYTHONPATH=/tmp/site:$PWD BOOK_DATA=$PWD/.gpu/data python3 -m helpers.gpu_check --minutes 9")


# ---- the steps, each run in its own process; `dry` picks the toy sizes, and each step saves its
# numbers to `report` as they come, so that a step stopped at its limit keeps what it measured
def unit(dry, report):
    files = [f"tests/{name}.py" for name in (CUDA_TESTS[:1] if dry else CUDA_TESTS)]
    xml = Path(report).with_suffix(".xml")
    command = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", f"--junitxml={xml}", *files]
    code = subprocess.run(command, cwd=ROOT).returncode  # its output goes to the step's log
    out = {"exit": code}
    if xml.exists():
        suite = ElementTree.parse(xml).getroot().find("testsuite")
        out.update({k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")})
    save_json(report, out)


def bench(dry, report):
    from . import bench as timing
    sizes = (16, 32) if dry else (128, 512)
    toy = ["--iters", "2", "--warmup", "1", "--repeats", "1", "--depth", "8"] if dry else []
    out = {}
    for bs in sizes:
        learner, hand, standard = timing.main(["--bs", str(bs), *toy])
        out[str(bs)] = {"learner": learner, "hand": hand, "standard": standard, "learner/hand": learner / hand}
        save_json(report, out)
    out["learner/hand at least 0.95"] = out[str(sizes[-1])]["learner/hand"] >= 0.95
    save_json(report, out)


def train_runs(runs, images, batch_size):
    """Train `runs` one-epoch runs of the cpu profile's network (the smoke profile's config, so
    nothing is saved) on `images` images one after another, once a line on stdin says go (so
    that processes started together train together); print {images, start, end}."""
    from .config import make_config
    from .data import load_arrays
    from .engine import train
    load_arrays("fashion_mnist")
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.time()
    for seed in range(runs):
        train(make_config("smoke", name="gpu-check-runs", n_train=images, epochs=1, seed=seed,
                          batch_size=batch_size, depth=8))
    print(json.dumps({"images": runs * images, "start": start, "end": time.time()}), flush=True)


def runs(dry, report):
    counts, per_process, images = ((1, 2), 1, 256) if dry else (CONCURRENT, 2, 30_000)
    out = {"concurrent runs": {}}
    code = f"from helpers.gpu_check import train_runs; train_runs({per_process}, {images}, 128)"
    for n in counts:
        procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True) for _ in range(n)]
        for p in procs:  # all loaded: go
            assert p.stdout.readline().strip() == "ready", "a training process did not start"
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        done = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        seconds = max(d["end"] for d in done) - min(d["start"] for d in done)
        out["concurrent runs"][str(n)] = {"images/s": sum(d["images"] for d in done) / seconds}
        out["best"] = int(max(out["concurrent runs"], key=lambda k: out["concurrent runs"][k]["images/s"]))
        save_json(report, out)


def paper(dry, report):
    from .config import cycle_config
    from .data import write_cifar_archive
    from .runs import finder_result
    from .engine import train
    toy = dict(n_train=500, n_valid=100, n_test=100, batch_size=50) if dry else {}
    iterations = 20 if dry else 300
    with tempfile.TemporaryDirectory() as folder, environment(BOOK_DATA=folder):
        write_cifar_archive(folder, "cifar10", n_per_batch=100 if dry else 10_000)
        config = cycle_config("paper", name="gpu-check-paper", lr=1.0, **toy)
        config = replace(config, epochs=max(1, iterations * config.batch_size // config.n_train))
        out = {"synthetic CIFAR-10": True, "depth": config.depth, "batch": config.batch_size}
        finder = finder_result(config, dict(start_lr=1e-5, end_lr=10, num_it=iterations // 2, scale="exp",
                                            stop_div=False, bn_stats="batch"))
        out["s per iteration (range test)"] = finder["provenance"]["wall_time_s"] / len(finder["lr"])
        save_json(report, out)
        run = train(config)[0]
    run_iters, seconds = len(run["history"]["iteration"]["lr"]), run["provenance"]["wall_time_s"]
    out.update({"device": run["provenance"]["device"], "run iterations": run_iters, "run seconds": seconds,
                "s per iteration (run, evaluation included)": seconds / run_iters,
                "images/s (run)": run_iters * config.batch_size / seconds,
                "final accuracy (random labels: about 0.1)": run["final"]["accuracy"]})
    save_json(report, out)


def decided(claims, profile, report, reference=None):
    """Decide each claim on `profile` (training what is missing), beside its verdict on the cached
    results of `reference` if given, and write {statement: verdict and difference} to `report`
    after each one; a claim that fails is reported and the next one decided."""
    out = {}
    for claim in claims:
        try:
            d = claim.decide(profile=profile)
        except Exception as e:  # noqa: BLE001 (reported with the claim; the next one goes on)
            out[claim.statement] = {"error": f"{type(e).__name__}: {e}"}
        else:
            out[claim.statement] = {"verdict": d.verdict, "difference": d.text(), "ours": d.ours}
        if reference:
            known = claim.cached_decision(reference)
            out[claim.statement][f"verdict ({reference})"] = known.verdict if known else None
        save_json(report, out)
    return out


def headline(dry, report):
    from .claims import AT_LARGER_SCALE, LARGER
    decided(AT_LARGER_SCALE, "smoke" if dry else LARGER, report)


def cpu(dry, report):
    from .claims import CLAIMS
    out = decided(CLAIMS[:2] if dry else CLAIMS, "smoke" if dry else "cpu-gpu", report, reference="cpu")
    moved = [s for s, d in out.items() if "verdict" in d and d["verdict"] != d["verdict (cpu)"]]
    save_json(report, {"claims": out, "failed": [s for s, d in out.items() if "error" in d], "moved": moved})


# ---- the driver
def step_env(dry, runs_per_gpu=None):
    """The steps' environment: no progress bars; in a dry run every grid serially in the step's
    own process; on the GPU, as many runs sharing it as the `runs` step found fastest."""
    env = {**os.environ, "BOOK_PROGRESS": "0", "PYTHONUNBUFFERED": "1"}
    if dry:
        env["BOOK_WORKERS"] = "1"
    if runs_per_gpu:
        env["BOOK_RUNS_PER_GPU"] = str(runs_per_gpu)
    return env


def launch(name, dry, logs, seconds, runs_per_gpu=None):
    """Run step `name` in a new process group for at most `seconds`, then end whatever of it is
    left (its children too); its report, status and seconds."""
    report = logs / f"{name}.json"
    command = [sys.executable, "-m", "helpers.gpu_check", "--step", name, "--report", str(report)]
    start = time.perf_counter()
    with open(logs / f"{name}.log", "w") as log:
        proc = subprocess.Popen(command + (["--dry-run"] if dry else []), cwd=ROOT, env=step_env(dry, runs_per_gpu),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = "done" if proc.wait(timeout=seconds) == 0 else f"failed (exit {proc.returncode})"
        except subprocess.TimeoutExpired:
            status = f"stopped at its limit of {seconds:.0f} s"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    numbers = json.loads(report.read_text()) if report.exists() else {}
    return {"status": status, "seconds": round(time.perf_counter() - start, 1), **numbers}


def machine():
    """The GPU, PyTorch and CUDA, and the commit (`provenance.git_commit`: on a GPU machine, the
    bundle's)."""
    import torch
    from .provenance import git_commit
    return {"torch": torch.__version__, "cuda": torch.version.cuda,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "commit": git_commit()}


def pack(out, logs, report):
    """The archives of `ARCHIVES` in `out`: the report and logs with the gpu results, and the
    cpu-gpu results (paths relative to the repository's root, no half-written files), each at
    most `RETURNS_AT_MOST` (a larger one is deleted, and said so: the report keeps the verdicts)."""
    written = []
    for archive, profile in ARCHIVES.items():
        results = ROOT / "book" / "results" / profile
        with tarfile.open(out / archive, "w:gz") as tar:
            if profile == "gpu":
                tar.add(report, arcname=f"gpu-check/{report.name}")
                tar.add(logs, arcname="gpu-check/logs")
            if results.exists():
                tar.add(results, arcname=str(results.relative_to(ROOT)),
                        filter=lambda member: None if member.name.endswith(".tmp") else member)
        if (out / archive).stat().st_size > RETURNS_AT_MOST:
            (out / archive).unlink()
            print(f"{archive} is over {RETURNS_AT_MOST / 2 ** 20:.0f} MiB, too large to come back: deleted")
        else:
            written.append(out / archive)
    return written


def check(steps, minutes, out, dry=False):
    """Run `steps` in order within `minutes`, then pack the archives in `out`; returns the report."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="gpu-check-logs-"))  # packed: a GPU machine returns few files
    deadline = time.perf_counter() + 60 * minutes - RESERVE
    report = {"dry run": dry, "machine": machine(), "steps": {}}
    for name in steps:
        left = deadline - time.perf_counter()
        if left < 10:
            report["steps"][name] = {"status": "skipped: no time left"}
            continue
        best = report["steps"].get("runs", {}).get("best")
        report["steps"][name] = launch(name, dry, logs, min(LIMITS.get(name, left), left), best)
        print(f"{name}: {report['steps'][name]['status']} ({report['steps'][name]['seconds']} s)", flush=True)
    save_json(out / "report.json", report)
    for archive in pack(out, logs, out / "report.json"):
        print(f"wrote {archive} ({archive.stat().st_size / 2 ** 20:.1f} MiB)")
    shutil.rmtree(logs)
    return report


def paper_images(spec):
    """The training images of a cpu-profile job (its spec) at the paper profile's scale: a run's
    images x epochs scaled as the profiles' are, a range test's iterations at the paper's batch."""
    from .plan import images
    from .profiles import get_profile
    cpu, paper = get_profile("cpu"), get_profile("paper")
    if "finder" in spec:
        return spec["finder"]["num_it"] * paper.batch_size
    return images(spec) * paper.n_train * paper.epochs / (cpu.n_train * cpu.epochs)


def paper_hours(images_per_second, names=()):
    """{chapter: GPU-hours on one GPU} of the chapters named (or all), and of all of them together
    (a job that chapters share counted once): their cpu-profile jobs (`helpers.plan`) at the
    paper's scale (`paper_images`), trained at `images_per_second` (the `paper` step's)."""
    from .plan import entry_spec, trace_chapter
    from .reproduce import chapter_notebooks
    chapters = [trace_chapter(path, "cpu") for path in chapter_notebooks(names)]
    jobs = {trace.name: {e["file"]: entry_spec(e) for e in trace.jobs if e["file"].startswith("cpu/")}
            for trace in chapters}
    every = {f: spec for specs in jobs.values() for f, spec in specs.items()}

    def hours(specs):
        return sum(paper_images(spec) for spec in specs.values()) / images_per_second / 3600
    return {**{name: hours(specs) for name, specs in jobs.items()}, "the whole book": hours(every)}


def travelling_bytes():
    """The bytes a GPU machine receives: the files git tracks or does not ignore, and `.gpu/`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    files = [ROOT / f for f in listed if f] + [p for p in BUNDLE.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files if p.is_file())


def bundle():
    """Write `.gpu/`: the pinned wheels of `WHEELS` for the GPU machine's Python (3.12) and
    Fashion-MNIST's four files; raise if what travels would exceed `TRAVELS_AT_MOST`."""
    from importlib.metadata import version
    from .data import find_fashion_mnist
    from .provenance import git_commit
    wheels, data = BUNDLE / "wheels", BUNDLE / "data" / "fashion-mnist"
    for folder in (wheels, data):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "-d", str(wheels), *(f"{w}=={version(w)}" for w in WHEELS)],
                   check=True)
    for f in Path(find_fashion_mnist(download=False)).glob("*-ubyte.gz"):
        shutil.copy(f, data / f.name)
    (BUNDLE / "COMMIT").write_text(git_commit() + "\n")
    size = travelling_bytes()
    print(f"{BUNDLE}: {len(list(wheels.iterdir()))} wheels, {len(list(data.iterdir()))} dataset files; "
          f"the working tree that travels: {size / 2 ** 20:.1f} MiB of {TRAVELS_AT_MOST / 2 ** 20:.0f}")
    if size > TRAVELS_AT_MOST:
        raise SystemExit("too large to travel to a GPU machine")
    print(f"there, with .gpu carried: {DEVICE_COMMAND}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="every step here, at a toy size")
    parser.add_argument("--minutes", type=float, default=9.0, help="time for all the steps and the archives")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--out", default=os.environ.get("OUT", "gpu-check"), help="where the archives go")
    parser.add_argument("--bundle", action="store_true", help="write .gpu/ for a GPU machine without internet")
    parser.add_argument("--hours", metavar="REPORT", help="GPU-hours per chapter at paper scale, from a report")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)  # one step, in its own process
    parser.add_argument("--report", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bundle:
        return bundle()
    if args.hours:
        rate = json.loads(Path(args.hours).read_text())["steps"]["paper"]["images/s (run)"]
        for chapter, hours in paper_hours(rate).items():
            print(f"{chapter:24s} {hours:7.1f} GPU-hours at {rate:.0f} images/s")
        return None
    if args.step:
        return globals()[args.step](args.dry_run, Path(args.report))
    if args.minutes <= 0:
        raise ValueError(f"minutes must be positive, got {args.minutes}")
    check(args.steps, args.minutes, args.out, args.dry_run)


if __name__ == "__main__":
    main()
