"""Read `-f` spec files (environment.yml or plain spec lists) the way micromamba does."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.standin.context import StandinError

_SELECTOR = re.compile(r"^sel\((\w+)\):\s*(.+)$")


@dataclass
class SpecFile:
    """What the -f files add to a transaction."""

    name: str | None = None
    channels: list[str] = field(default_factory=list)
    specs: list[str] = field(default_factory=list)
    pip: list[str] = field(default_factory=list)
    pip_folder: Path | None = None
    pip_no_deps: bool = False  # a lockfile's pip packages: pinned, nothing to resolve
    variables: dict[str, str] = field(default_factory=dict)


def _selected(spec: str, platform: str) -> str | None:
    match = _SELECTOR.match(spec.strip())
    if not match:
        return spec.strip()
    selector, inner = match.groups()
    os_name = platform.split("-")[0]
    wanted = {"linux": os_name == "linux", "osx": os_name == "osx", "win": os_name == "win"}
    wanted["unix"] = os_name in ("linux", "osx")
    return inner.strip() if wanted.get(selector, False) else None


def read_spec_files(paths: list[str], platform: str) -> SpecFile:
    """Merge every -f file; YAML files by extension, anything else is one spec per line."""
    import yaml

    result = SpecFile()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_file():
            raise StandinError(f"File not found: {raw}")
        if path.suffix not in (".yml", ".yaml"):
            lines = [line.strip() for line in path.read_text().splitlines()]
            if "@EXPLICIT" in lines:
                raise StandinError("explicit spec files are not supported by the stand-in")
            result.specs += [line for line in lines if line and not line.startswith("#")]
            continue
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            raise StandinError(f"Could not parse YAML file {path}: {error}") from error
        if not isinstance(data, dict):
            raise StandinError(f"Expected a mapping in environment file {path}")
        if data.get("name") and result.name is None:
            result.name = str(data["name"])
        result.channels += [str(c) for c in data.get("channels") or []]
        for dependency in data.get("dependencies") or []:
            if isinstance(dependency, dict):
                for key, values in dependency.items():
                    if key != "pip":
                        raise StandinError(f"Unknown dependency section '{key}' in {path}")
                    result.pip += [str(v) for v in values or []]
                    result.pip_folder = path.parent.resolve()
                continue
            selected = _selected(str(dependency), platform)
            if selected:
                result.specs.append(selected)
        variables = data.get("variables") or {}
        if not isinstance(variables, dict):
            raise StandinError(f"'variables' must be a mapping in {path}")
        result.variables.update({str(k): str(v) for k, v in variables.items()})
    return result
