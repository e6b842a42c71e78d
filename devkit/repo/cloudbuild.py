"""cloudbuild.yaml as data: the images a build tags and pushes, named as a deploy names them.

Its own ``substitutions:`` are applied; none of this runs gcloud.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from devkit import yamlfile
from devkit.errors import FileFormatError


@dataclass(frozen=True)
class ImageName:
    """An image a build pushes or a deploy runs, split into repository and tag."""

    repository: str
    tag: str
    line: int

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"


def image_name(text: str, line: int, substitutions: dict[str, str] | None = None) -> ImageName:
    """``us-docker.pkg.dev/p/r/app:build`` -> repository and tag (default ``latest``);
    ``$VAR``/``${VAR}`` replaced from ``substitutions`` where known."""
    subs = substitutions or {}
    text = re.sub(r"\$\{?(\w+)\}?", lambda m: subs.get(m.group(1), m.group(0)), text.strip())
    name, tag = text, "latest"
    if ":" in text.rsplit("/", 1)[-1]:
        name, tag = text.rsplit(":", 1)
    return ImageName(name, tag, line)


@dataclass(frozen=True)
class CloudBuild:
    """The images a cloudbuild.yaml tags (``-t``) and pushes (``images:``); its own
    ``substitutions:`` are applied, ``$PROJECT_ID`` is left for ``resolve``."""

    path: Path
    images: tuple[ImageName, ...]


def read_cloudbuild(path: Path, *, cache: bool = False) -> CloudBuild:
    """Parse cloudbuild.yaml into the image names it builds and pushes. ``cache``: its YAML as
    an earlier run parsed it, when unchanged (``yamlfile``)."""
    data = yamlfile.load(path, cache=cache)
    if not isinstance(data, yamlfile.YamlMap):
        raise FileFormatError(path, "expected a mapping with `steps:`", line=1)
    subs: dict[str, str] = {}
    declared = data.get("substitutions")
    if isinstance(declared, dict):
        subs.update({str(k): str(v) for k, v in declared.items()})
    found: list[ImageName] = []
    steps = data.get("steps")
    if not isinstance(steps, yamlfile.YamlList):
        raise FileFormatError(path, "`steps` must be a list", line=data.line_of("steps"))
    for step in steps:
        args = step.get("args") if isinstance(step, dict) else None
        if not isinstance(args, yamlfile.YamlList):
            continue
        for index, arg in enumerate(args[:-1]):
            if arg in ("-t", "--tag") and isinstance(args[index + 1], str):
                found.append(image_name(args[index + 1], args.item_lines[index + 1], subs))
    images = data.get("images")
    if isinstance(images, yamlfile.YamlList):
        for item, line in zip(images, images.item_lines, strict=True):
            if isinstance(item, str):
                found.append(image_name(item, line, subs))
    return CloudBuild(path, tuple(found))


def resolve(image: ImageName, project_id: str | None) -> ImageName:
    """``$PROJECT_ID`` (Cloud Build's default substitution) replaced by the deploy's project."""
    if not project_id:
        return image
    return image_name(str(image), image.line, {"PROJECT_ID": project_id})
