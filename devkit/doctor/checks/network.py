"""Network checks: the settings in force, then each server devkit and its tools reach, once.

Every probe uses the proxies and CAs the other commands use (conda/network.py) and a short
timeout; a host that fails is remembered in ``ctx.net`` so nothing else in the run asks it again
(drift.platforms then skips instead of failing once per project).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from devkit import git, proc
from devkit.conda import channels, micromamba
from devkit.conda.channels import Channel
from devkit.doctor.base import Outcome, Result
from devkit.doctor.context import Context
from devkit.errors import DevkitError, FileFormatError
from devkit.net import netconfig, netprobe
from devkit.net.netprobe import Probe

_GIT_TIMEOUT = 15.0


def settings(ctx: Context, out: Outcome) -> Result:
    """The proxies and CAs devkit uses, where each came from; a CA file that cannot be read."""
    net = ctx.net.settings
    try:
        netconfig.ssl_context(net)
    except DevkitError as exc:
        return out.fail(exc.message, hint=exc.hint)
    lines = net.describe() or ["no proxy; TLS trusts the system store and certifi"]
    if not net.verify:
        return out.warn(
            "; ".join(lines) + ": anyone on the way can read and change what devkit downloads",
            hint=f"remove `ssl_verify: false` ({net.origins.get('verify')}) and name the "
            "company CA instead: `ssl_verify: /path/ca.pem` (docs/network.md)",
        )
    return out.ok("; ".join(lines))


def _channels(ctx: Context) -> list[Channel]:
    """Every channel the selected projects (and the rc's ``channels``) resolve to."""
    mirrors = ctx.monorepo.config.mirrors if ctx.monorepo else {}
    found: dict[str, Channel] = {}
    tokens: list[str] = []
    for project in ctx.projects:
        spec = ctx.spec(project)
        if not isinstance(spec, FileFormatError):
            tokens += [t for t in spec.channels if t not in tokens]
    for channel in channels.resolve(tokens, ctx.condarc, mirrors):
        found.setdefault(channel.fetch_url, channel)
    return list(found.values())


def _local(channel: Channel) -> Probe:
    folder = Path(urllib.parse.unquote(urllib.parse.urlsplit(channel.fetch_url).path))
    index = folder / "noarch" / "repodata.json"
    if index.is_file():
        return Probe(channel.fetch_url, True, "local")
    return Probe(channel.fetch_url, False, f"{index} does not exist")


def _explain(probe: Probe, what: str) -> tuple[str, str | None, bool]:
    """Message, hint, and whether it is a failure (TLS) rather than a warning (unreachable)."""
    host = urllib.parse.urlsplit(probe.url).hostname or probe.url
    if probe.detail.startswith("TLS"):
        message, hint = netprobe.tls_advice(probe.tls_issuer, host)
        return f"{what}: {message} ({probe.detail})", hint, True
    return f"{what}: {probe.detail}", None, False


def channels_reached(ctx: Context, out: Outcome) -> list[Result]:
    """Each channel's ``noarch/repodata.json`` answers, through the configured proxy and CAs.

    One finding per host: channels on a host that failed are named in that host's finding.
    """
    found = _channels(ctx)
    if not found:
        return [out.skip("no channels (no projects, and no `channels:` in the rc files)")]
    reached: list[str] = []
    failed: dict[str, tuple[Probe, list[Channel]]] = {}
    for channel in found:
        url = f"{channel.fetch_url}/noarch/repodata.json"
        if channel.fetch_url.startswith("file:"):
            probe = _local(channel)
        else:
            probe = netprobe.probe(url, ctx.net.settings, ctx.net.failures)
        if probe.ok:
            reached.append(channel.name)
            continue
        key = netprobe.host_key(url) if probe.host_down else url
        failed.setdefault(key, (probe, []))[1].append(channel)
    results: list[Result] = []
    for probe, group in failed.values():
        names = ", ".join(
            f"`{c.name}` at {c.fetch_url}" + (f" (mirror of {c.url})" if c.mirrored else "")
            for c in group
        )
        message, hint, tls = _explain(probe, f"channel {names}")
        hint = hint or (
            "check the network, or point devkit and micromamba at a mirror: `channel_alias` or "
            "`mirrored_channels` in ~/.condarc, or devkit.yaml `mirrors:` (docs/network.md)"
        )
        results.append(out.fail(message, hint=hint) if tls else out.warn(message, hint=hint))
    if reached and not results:
        results.append(out.ok(f"reached {', '.join(reached)}"))
    return results


def micromamba_download(ctx: Context, out: Outcome) -> Result:
    """The micromamba release (or its mirror) answers, for `devkit setup` to download."""
    subdir = ctx.facts.native_subdir
    if subdir is None:
        return out.skip("no micromamba build for this machine (see machine.os)")
    url = f"{micromamba.download_base(None)}/micromamba-{subdir}.sha256"
    probe = netprobe.probe(url, ctx.net.settings, ctx.net.failures)
    if probe.ok:
        return out.ok(f"reached {micromamba.download_base(None)}")
    message, hint, tls = _explain(probe, f"micromamba's download at {url}")
    hint = hint or "set DEVKIT_MICROMAMBA_URL to a mirror of the micromamba releases"
    installed = ctx.micromamba_exe is not None
    if tls or not installed:
        return out.fail(message, hint=hint)
    return out.warn(message + " (micromamba is installed: only a re-install needs it)", hint=hint)


def package_index(ctx: Context, out: Outcome) -> Result:
    """pip's index answers (envs with a `pip:` section install from it)."""
    index = netconfig.pip_index_url(ctx.facts.environ, ctx.facts.home)
    if index is None:
        return out.skip("pip is set to use no index (PIP_NO_INDEX)")
    if index.startswith("file:") or not index.startswith(("http://", "https://")):
        return out.ok(f"pip's index is local: {index}")
    probe = netprobe.probe(f"{index}/pip/", ctx.net.settings, ctx.net.failures)
    if probe.ok or probe.detail.startswith("HTTP 4"):  # the server answered: it is reachable
        return out.ok(f"reached {netconfig.redact_url(index)}")
    message, hint, tls = _explain(probe, f"pip's index {netconfig.redact_url(index)}")
    hint = hint or "point pip at the company's mirror: `pip config set global.index-url <url>`"
    return out.fail(message, hint=hint) if tls else out.warn(message, hint=hint)


def git_remote(ctx: Context, out: Outcome) -> Result:
    """The monorepo's origin answers `git ls-remote` (git uses its own proxy and CA config)."""
    if ctx.monorepo is None or ctx.which("git") is None:
        return out.skip("no monorepo or no git")
    top: Path | None = None
    url: str | None = None
    try:
        top = git.toplevel(ctx.monorepo.root)
        url = git.remote_url(top) if top else None
    except DevkitError:
        pass
    if top is None or url is None:
        return out.skip("the monorepo has no `origin` remote")
    argv = ["git", "-c", "credential.interactive=never", "ls-remote", "--heads", url]
    # No prompt for a password or an SSH passphrase: a check must not wait for an answer.
    env = {"GIT_TERMINAL_PROMPT": "0"}
    if not (ctx.facts.environ.get("GIT_SSH_COMMAND") or ctx.facts.environ.get("GIT_SSH")):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    try:
        result = proc.run(argv, cwd=top, env=proc.clean_env(env), check=False, timeout=_GIT_TIMEOUT)
    except DevkitError as exc:
        return out.warn(f"`git ls-remote {url}`: {exc.message}", hint=git.auth_hint(url))
    if result.returncode == 0:
        return out.ok(f"reached {url}")
    stderr = result.stderr.strip().splitlines()
    last = stderr[-1] if stderr else f"exit {result.returncode}"
    if "SSL certificate problem" in result.stderr or "server certificate verification" in (
        result.stderr
    ):
        host = urllib.parse.urlsplit(url).hostname or url
        message, hint = netprobe.tls_advice(None, host)
        return out.fail(f"`git ls-remote {url}`: {message} ({last})", hint=hint)
    return out.warn(
        f"`git ls-remote {url}` failed: {last}",
        hint=git.auth_hint(url) + "; behind a proxy, git reads `http.proxy` "
        "(`git config --global http.proxy http://proxy:port`) or HTTPS_PROXY",
    )
