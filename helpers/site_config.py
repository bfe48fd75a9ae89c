"""`python -m helpers.site_config OUT`: the book's `_config.yml`, with the repository link and the
Binder launch button added when the public repository is known.

The repository is `BOOK_REPOSITORY_URL` if set, else the clone's `origin` remote when that is a
GitHub or GitLab address. Without one the config is written unchanged: the site then has no
launch buttons rather than buttons that lead nowhere. Binder builds the whole repository
(`requirements.txt`, `runtime.txt`, then `postBuild` installs `helpers`); Colab is left out
because it opens a lone notebook, without the `helpers` package the chapters import.
"""
import re
import subprocess
import sys
from pathlib import Path

import yaml

from .settings import ROOT, repository_url_given

PUBLIC = re.compile(r"^https://(github\.com|gitlab\.com)/[\w.-]+/[\w.-]+$")
SSH = re.compile(r"^git@(github\.com|gitlab\.com):([\w.-]+/[\w.-]+?)(\.git)?$")


def public_url(url):
    """The https address of a GitHub/GitLab repository given as https or ssh, or None."""
    url = url.strip().removesuffix("/")
    ssh = SSH.match(url)
    if ssh:
        url = f"https://{ssh.group(1)}/{ssh.group(2)}"
    url = url.removesuffix(".git")
    return url if PUBLIC.match(url) else None


def repository_url(root=ROOT):
    """The public repository the book comes from, or None when it is not known."""
    given = repository_url_given()
    if given:
        url = public_url(given)
        if url is None:
            raise ValueError(f"BOOK_REPOSITORY_URL={given!r}: expected https://github.com/OWNER/NAME "
                             "or https://gitlab.com/OWNER/NAME (or the git@ form)")
        return url
    origin = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"],
                            capture_output=True, text=True)
    return public_url(origin.stdout) if origin.returncode == 0 else None


def site_config(config, url, branch="main"):
    """`config` (the parsed `_config.yml`) with the repository link and launch buttons for `url`."""
    if url is None:
        return config
    config = dict(config)
    config["repository"] = {"url": url, "branch": branch, "path_to_book": ""}
    config["html"] = {**config.get("html", {}), "use_repository_button": True, "use_issues_button": True}
    config["launch_buttons"] = {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org"}
    return config


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: python -m helpers.site_config OUT (the _config.yml to write, e.g. _build/_config.yml)")
    out = Path(argv[0])
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = repository_url()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(site_config(config, url), sort_keys=False, allow_unicode=True))
    print(f"{out}: " + (f"repository {url}, launch buttons on" if url else
                        "no public repository known (set BOOK_REPOSITORY_URL): no launch buttons"))


if __name__ == "__main__":
    main()
