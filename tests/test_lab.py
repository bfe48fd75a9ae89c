"""A reader opens the chapters with `make lab` (JupyterLab on book/) after `make setup`."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyter_lab_starts_and_lists_the_chapters(tmp_path):
    port = free_port()
    jupyter = Path(sys.executable).parent / "jupyter"
    as_root = ["--allow-root"] if os.geteuid() == 0 else []  # as `make lab` does
    server = subprocess.Popen(
        [str(jupyter), "lab", "book/", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--IdentityProvider.token=booktest", *as_root],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={"PATH": str(jupyter.parent), "HOME": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path)})
    try:
        deadline, page, contents = time.time() + 90, None, None
        while time.time() < deadline and page is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=booktest", timeout=5).read().decode()
                contents = urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/contents?token=booktest", timeout=5).read().decode()
            except OSError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(1)
        assert page is not None and "JupyterLab" in page
        assert '"engine.ipynb"' in contents
    finally:
        server.terminate()
        server.wait(timeout=30)
