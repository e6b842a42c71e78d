"""Project-file checks on the build: the Dockerfile's base images, env name and platform, and
entrypoint.sh (``deploy`` checks what the deploy builds and runs).
"""

from __future__ import annotations

from devkit import atomic
from devkit.doctor.base import ProjectOutcome, Result
from devkit.doctor.checks.files import Findings, rel, where
from devkit.doctor.context import Context
from devkit.errors import FileFormatError
from devkit.ports import DEFAULT_PORT
from devkit.repo import deprecations, projectfiles
from devkit.repo.projectfiles import DOCKERFILE, ENTRYPOINT, Dockerfile

_AMD64 = ("linux/amd64", "linux/x86_64")


def _dockerfile(ctx: Context, out: ProjectOutcome) -> Dockerfile | Result:
    parsed = ctx.project_file(out.project, DOCKERFILE)
    if parsed is None:
        return out.skip("no Dockerfile")
    if not isinstance(parsed, Dockerfile):
        return out.skip("the Dockerfile does not parse (see files.parse)")
    return parsed


def docker_base(ctx: Context, out: ProjectOutcome) -> Result:
    """No build stage starts from a retired image (mambaforge) or an end-of-life Debian."""
    dockerfile = _dockerfile(ctx, out)
    if isinstance(dockerfile, Result):
        return dockerfile
    today = ctx.facts.today
    findings = Findings()
    aliases: set[str] = set()
    stages = dockerfile.stages()
    for stage in stages:
        found = None if stage.image in aliases else deprecations.image_verdict(stage.image, today)
        if found is not None:
            at = where(ctx, dockerfile.path, stage.line)
            findings.warn(f"`{stage.image}` → {found.replacement} ({found.reason}; {at})")
        if stage.alias:
            aliases.add(stage.alias)
    return findings.result(
        out,
        "base images: " + ", ".join(s.image for s in stages),
        hint="change each FROM to its replacement (docs/project-files.md)",
    )


def docker_env_name(ctx: Context, out: ProjectOutcome) -> Result:
    """``conda-pack -n`` packs the env the Dockerfile created (environment.yml's ``name:``)."""
    dockerfile = _dockerfile(ctx, out)
    if isinstance(dockerfile, Result):
        return dockerfile
    packs = dockerfile.conda_pack_names()
    if not packs:
        return out.skip("the Dockerfile does not run conda-pack")
    created = dockerfile.created_env_names()
    if created:
        expected, line = created[-1]
        source = f"`env create -n` at {where(ctx, dockerfile.path, line)}"
    else:
        spec = ctx.spec(out.project)
        if isinstance(spec, FileFormatError) or spec.name is None:
            return out.skip("environment.yml gives no env name")
        expected = spec.name
        source = f"`name:` in {rel(ctx, spec.path)}"
    findings = Findings()
    for name, line in packs:
        if name != expected:
            findings.fail(
                f"`conda-pack -n {name}` ({where(ctx, dockerfile.path, line)}) but the env is "
                f"`{expected}` ({source}): the image build stops there, env not found"
            )
    return findings.result(
        out,
        f"conda-pack packs `{expected}`, the env the build creates",
        hint=f"use `conda-pack -n {expected}`",
    )


def docker_platform(ctx: Context, out: ProjectOutcome) -> Result:
    """Every stage builds for linux/amd64 (Cloud Run's platform), noted on ARM machines."""
    dockerfile = _dockerfile(ctx, out)
    if isinstance(dockerfile, Result):
        return dockerfile
    native = ctx.facts.native_subdir or ""
    host = "Apple Silicon Mac" if native == "osx-arm64" else "ARM Linux machine"
    arm = native in ("osx-arm64", "linux-aarch64")
    stages = dockerfile.stages()
    findings = Findings()
    for stage in stages:
        at = where(ctx, dockerfile.path, stage.line)
        platform = stage.platform if stage.platform and "$" not in stage.platform else None
        if platform and platform not in _AMD64:
            findings.warn(f"{at} builds for {platform}; Cloud Run runs linux/amd64 images")
        elif platform is None and arm:
            findings.warn(
                f"{at} has no --platform: `docker build` on this {host} makes an arm64 image "
                "that Cloud Run cannot start"
            )
    if arm:
        ok = (
            f"every stage pins linux/amd64: on this {host} a local `docker build` runs emulated "
            "(slower), and the image runs on Cloud Run"
        )
    elif all(s.platform for s in stages):
        ok = "every stage pins linux/amd64, Cloud Run's platform"
    else:
        ok = "builds for this machine's platform, linux/amd64, like Cloud Run"
    return findings.result(out, ok, hint="write `FROM --platform=linux/amd64 …` on every stage")


def entrypoint(ctx: Context, out: ProjectOutcome) -> Result:
    """entrypoint.sh exists, is executable (for git too), has LF endings and serves on $PORT,
    defaulting to the port ``devkit run`` uses."""
    project = out.project
    script = ctx.project_file(project, ENTRYPOINT)
    dockerfile = ctx.project_file(project, DOCKERFILE)
    path = project.path / ENTRYPOINT
    if script is None:
        if not isinstance(dockerfile, Dockerfile) or not _runs_entrypoint(dockerfile):
            return out.skip("no entrypoint.sh, and the Dockerfile does not run one")
        return out.fail(
            f"{rel(ctx, path)} is missing but the Dockerfile runs it",
            hint="add it (the template: docs/project-files.md), executable",
        )
    if not isinstance(script, projectfiles.Entrypoint):
        return out.skip("entrypoint.sh cannot be read (see files.parse)")
    findings = Findings()
    if not script.executable:
        findings.fail(f"{rel(ctx, path)} is not executable: the container stops, permission denied")
    mode = ctx.entrypoint_modes.get(ctx.resolved(path))
    if mode is not None and mode != "100755":
        findings.fail(
            f"git records {rel(ctx, path)} as mode {mode}, not executable: images built from a "
            "checkout cannot run it"
        )
    if script.crlf_line:
        findings.fail(
            f"{where(ctx, path, script.crlf_line)} ends in CRLF: bash fails on `\\r` "
            "(`/bin/bash^M: bad interpreter`)"
        )
    if not script.reads_port:
        findings.fail(f"{rel(ctx, path)} never reads PORT: Cloud Run sends requests to $PORT")
    for port, line in script.default_ports:
        if port != DEFAULT_PORT:
            findings.warn(
                f"{where(ctx, path, line)} defaults PORT to {port}; `devkit run` and the "
                f"template use {DEFAULT_PORT}"
            )
    env = dockerfile.env("PORT") if isinstance(dockerfile, Dockerfile) else None
    if env and env[0] != str(DEFAULT_PORT):
        findings.warn(f"{where(ctx, project.path / DOCKERFILE, env[1])} sets PORT to {env[0]}")
    return findings.result(
        out,
        f"executable, serves on $PORT (default {DEFAULT_PORT}, like `devkit run`)",
        hint=f"chmod +x {rel(ctx, path)} && git add --chmod=+x {rel(ctx, path)}; LF line endings; "
        f'PORT="{DEFAULT_PORT}" as the default',
        fixable=not script.executable or script.crlf_line is not None,
    )


def fix_entrypoint(ctx: Context, result: Result) -> str:
    """Make entrypoint.sh executable and give it LF line endings; nothing else in it changes."""
    assert ctx.monorepo is not None and result.project is not None
    path = ctx.monorepo.project(result.project).path / ENTRYPOINT
    outside = ctx.outside(path)
    if outside is not None:
        return f"not changed: {outside.message}"
    script = projectfiles.read_entrypoint(path)
    done = []
    if script.crlf_line is not None:
        data = path.read_bytes()
        atomic.write_bytes(path, data.replace(b"\r\n", b"\n"))
        done.append("converted CRLF line endings to LF")
    if not script.executable:
        mode = path.stat().st_mode
        # Execute for whoever may read it, as `chmod +x` does.
        path.chmod(mode | ((mode & 0o444) >> 2))
        done.append("made it executable")
    what = " and ".join(done) or "nothing to do"
    if not script.executable:
        # The working tree's mode is not what git records: the image is built from a checkout.
        return f"{rel(ctx, path)}: {what}; commit it with `git add --chmod=+x {rel(ctx, path)}`"
    return f"{rel(ctx, path)}: {what}; commit it"


def _runs_entrypoint(dockerfile: Dockerfile) -> bool:
    return any(
        i.keyword in ("ENTRYPOINT", "CMD") and ENTRYPOINT in i.args for i in dockerfile.instructions
    )
