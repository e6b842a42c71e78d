"""Build sample monorepos: `projects/<name>/environment.yml` plus service code, on disk."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.channel import (
    DOTENV_VERSION,
    FASTAPI_VERSION,
    PANDAS_VERSION,
    PYTHON_RUNNING_MINOR,
    UVICORN_VERSION,
)

API_MAIN = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}
"""

API_ENV_EXAMPLE = "API_KEY=\nDATABASE_URL=postgres://localhost:5432/api\nLOG_LEVEL=info\n"
API_ENV = (
    "API_KEY=sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0\n"
    "DATABASE_URL=postgres://api:hunter2@localhost:5432/api\n"
    "LOG_LEVEL=debug\n"
)

# A deploy workflow for api (added by the tests that need one): its env_vars name variables the
# .env checks and `devkit dotenv` read, one of them a secret.
API_DEPLOY = """\
name: api Deploy
on:
  push:
    paths: ["projects/api/**/*"]
jobs:
  Deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: "google-github-actions/deploy-cloudrun@v2"
        with:
          env_vars: |
            PYTHONUNBUFFERED=True,BUCKET_NAME=acme,SENTRY_TOKEN=${{ secrets.SENTRY_TOKEN }}
"""

# A PEP 517 backend inside the package itself: `requires = []` lets pip build the wheel with
# build isolation and no index, so the etl env's `pip:` section installs offline.
_BACKEND = '''\
"""In-tree PEP 517 backend building a pure-Python wheel with the stdlib only."""
import base64, hashlib, pathlib, zipfile

NAME, VERSION = "etl_utils", "0.1.0"


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    root = pathlib.Path(__file__).parent
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    dist = f"{NAME}-{VERSION}.dist-info"
    files = {
        f"{NAME}/{p.name}": p.read_bytes() for p in sorted((root / NAME).glob("*.py"))
    }
    metadata = f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"
    files[f"{dist}/METADATA"] = metadata.encode()
    wheel_info = "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files[f"{dist}/WHEEL"] = wheel_info.encode()
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist}/RECORD,,"]
    with zipfile.ZipFile(pathlib.Path(wheel_directory) / name, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
        wheel.writestr(f"{dist}/RECORD", "\\n".join(record) + "\\n")
    return name
'''

_JOB = "import etl_utils\nimport pandas\n\nprint(etl_utils.greet(), pandas.__version__)\n"

_PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "etl_utils"
version = "0.1.0"
"""


@dataclass(frozen=True)
class Monorepo:
    """A monorepo working tree on disk."""

    root: Path

    @property
    def projects_dir(self) -> Path:
        """`<root>/projects`."""
        return self.root / "projects"

    def project(self, name: str) -> Path:
        """`<root>/projects/<name>`."""
        return self.projects_dir / name

    def env_file(self, name: str) -> Path:
        """`<root>/projects/<name>/environment.yml`."""
        return self.project(name) / "environment.yml"

    @property
    def api(self) -> Path:
        """The FastAPI service's folder."""
        return self.project("api")

    @property
    def etl(self) -> Path:
        """The pandas batch job's folder."""
        return self.project("etl")


def environment_yml(
    name: str,
    dependencies: Sequence[str],
    channels: Sequence[str] = ("conda-forge",),
    pip: Sequence[str] = (),
    variables: Mapping[str, str] | None = None,
) -> str:
    """The text of an environment.yml."""
    deps: list[object] = list(dependencies)
    if pip:
        deps.append({"pip": list(pip)})
    data: dict[str, object] = {"name": name, "channels": list(channels), "dependencies": deps}
    if variables:
        data["variables"] = dict(variables)
    return yaml.safe_dump(data, sort_keys=False)


def add_project(
    repo: Monorepo | Path,
    name: str,
    dependencies: Sequence[str] = (f"python={PYTHON_RUNNING_MINOR}",),
    channels: Sequence[str] = ("conda-forge",),
    pip: Sequence[str] = (),
    variables: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Create (or overwrite) `projects/<name>` with an environment.yml and extra files."""
    root = repo.root if isinstance(repo, Monorepo) else repo
    folder = root / "projects" / name
    folder.mkdir(parents=True, exist_ok=True)
    text = environment_yml(name, dependencies, channels, pip, variables)
    (folder / "environment.yml").write_text(text)
    for relative, content in (files or {}).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return folder


def edit_environment(env_file: Path, **changes: object) -> None:
    """Rewrite top-level keys of an environment.yml (e.g. dependencies=[...])."""
    data = yaml.safe_load(env_file.read_text()) or {}
    data.update(changes)
    env_file.write_text(yaml.safe_dump(data, sort_keys=False))


def build_sample_monorepo(root: Path) -> Monorepo:
    """Write the sample monorepo: projects `api` (FastAPI) and `etl` (pandas, pip, variables)."""
    root.mkdir(parents=True, exist_ok=True)
    repo = Monorepo(root)
    (root / "README.md").write_text("# Sample monorepo\n\nServices live in `projects/`.\n")
    (root / ".gitignore").write_text(".env\n__pycache__/\n*.egg-info/\n")
    add_project(
        repo,
        "api",
        dependencies=(
            f"python={PYTHON_RUNNING_MINOR}",
            f"fastapi={FASTAPI_VERSION}",
            f"uvicorn={UVICORN_VERSION}",
            f"python-dotenv={DOTENV_VERSION}",
        ),
        files={"main.py": API_MAIN, ".env.example": API_ENV_EXAMPLE, ".env": API_ENV},
    )
    add_project(
        repo,
        "etl",
        dependencies=(f"python={PYTHON_RUNNING_MINOR}", f"pandas={PANDAS_VERSION}", "numpy"),
        pip=("./libs/etl_utils",),
        variables={"ETL_MODE": "batch"},
        files={
            "job.py": _JOB,
            "libs/etl_utils/pyproject.toml": _PYPROJECT,
            "libs/etl_utils/backend.py": _BACKEND,
            "libs/etl_utils/etl_utils/__init__.py": 'def greet():\n    return "etl ready"\n',
        },
    )
    return repo


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its stdout (identity comes from the isolate fixture)."""
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


@dataclass(frozen=True)
class GitOrigin:
    """A bare "origin" repository holding the sample monorepo on branch main."""

    bare: Path
    url: str
    source: Monorepo


def make_origin(repo: Monorepo, bare: Path) -> GitOrigin:
    """Commit `repo` and push it to a new bare repository at `bare`."""
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "Initial monorepo")
    git(bare.parent, "init", "-q", "--bare", "-b", "main", bare.name)
    git(repo.root, "remote", "add", "origin", str(bare))
    git(repo.root, "push", "-q", "origin", "main")
    return GitOrigin(bare=bare, url=bare.as_uri(), source=repo)
