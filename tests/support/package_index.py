"""A PEP 503 package index on disk, laid out as a company mirror serves one over HTTP(S)."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path


def project_of(wheel: Path) -> str:
    """A wheel's project name, normalized (PEP 503): `Typing_Extensions` → `typing-extensions`."""
    return re.sub(r"[-_.]+", "-", wheel.name.split("-", 1)[0]).lower()


def download_wheels(requirement: str, dest: Path, env: Mapping[str, str]) -> list[Path]:
    """`requirement` and its dependencies as wheels for this interpreter, as `env`'s pip finds."""
    dest.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    argv += ["--only-binary", ":all:", "--dest", str(dest), requirement]
    subprocess.run(argv, check=True, env=dict(env))
    return sorted(dest.glob("*.whl"))


def build_index(root: Path, wheels: Iterable[Path]) -> Path:
    """Copy `wheels` to root/files and write root/simple/<project>/index.html; return `root`."""
    files = root / "files"
    files.mkdir(parents=True, exist_ok=True)
    by_project: dict[str, list[Path]] = {}
    for wheel in wheels:
        copied = files / wheel.name
        shutil.copyfile(wheel, copied)
        by_project.setdefault(project_of(wheel), []).append(copied)
    simple = root / "simple"
    simple.mkdir(exist_ok=True)
    for project, found in by_project.items():
        links = []
        for wheel in sorted(found):
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            name = html.escape(wheel.name)
            links.append(f'<a href="../../files/{name}#sha256={digest}">{name}</a><br>')
        (simple / project).mkdir(exist_ok=True)
        (simple / project / "index.html").write_text(_page(project, links))
    listing = [f'<a href="{p}/">{p}</a><br>' for p in sorted(by_project)]
    (simple / "index.html").write_text(_page("Simple index", listing))
    return root


def _page(title: str, links: list[str]) -> str:
    body = "\n".join(links)
    head = f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>\n"
    return f"{head}{body}\n</body></html>\n"
