"""`run` (activate, exec, pass the exit code through) and `shell init|deinit|hook`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.standin.context import Context, StandinError
from tests.support.standin.records import env_vars

BEGIN = "# >>> mamba initialize >>>"
END = "# <<< mamba initialize <<<"


def activated_env(ctx: Context, prefix: Path) -> dict[str, str]:
    """The child environment `micromamba run` builds: env bin first, CONDA_*, env vars."""
    if "--clean-env" in ctx.invocation.flags:
        base = {k: v for k, v in ctx.env.items() if k in ("HOME", "USER", "LANG", "TERM", "PATH")}
    else:
        base = dict(ctx.env)
    name = "base" if prefix == ctx.root_prefix else prefix.name
    base.update(
        {
            "PATH": os.pathsep.join([str(prefix / "bin"), base.get("PATH", os.defpath)]),
            "CONDA_PREFIX": str(prefix),
            "CONDA_DEFAULT_ENV": name,
            "CONDA_SHLVL": "1",
            "CONDA_PROMPT_MODIFIER": f"({name}) ",
            "MAMBA_ROOT_PREFIX": str(ctx.root_prefix),
            "MAMBA_EXE": str(ctx.exe),
        }
    )
    base.update(env_vars(prefix))
    for assignment in ctx.invocation.all("--env"):
        key, _, value = assignment.partition("=")
        base[key] = value
    return base


def run(ctx: Context) -> int:
    """`micromamba run`: exit with the child's code, 128+N when a signal N killed it."""
    # The real micromamba forwards SIGTERM but not SIGINT: on Ctrl-C it dies itself, which is
    # why callers start it in its own process group and signal the whole group.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    command = ctx.invocation.positionals
    if not command:
        raise StandinError("Did not receive any command to run inside environment")
    prefix = ctx.target_prefix()
    if not (prefix / "conda-meta").is_dir():
        raise StandinError(f"No prefix found at: {prefix}")
    env = activated_env(ctx, prefix)
    executable = shutil.which(command[0], path=env["PATH"])
    if executable is None:
        ctx.log("critical", f'The executable "{command[0]}" could not be found')
        return 127
    argv = [executable, *command[1:]]
    scripts = sorted((prefix / "etc" / "conda" / "activate.d").glob("*.sh"))
    if scripts:
        sourcing = "".join(f'. "{script}"; ' for script in scripts)
        argv = ["/bin/sh", "-c", f'{sourcing}exec "$0" "$@"', *argv]
    cwd = ctx.invocation.value("--cwd")
    try:
        child = subprocess.Popen(argv, env=env, cwd=cwd)
    except OSError as error:
        raise StandinError(f"Could not run {command[0]!r}: {error}") from error
    signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
    code = child.wait()
    return 128 - code if code < 0 else code


def _rc_file(ctx: Context, shell: str) -> Path:
    home = ctx.home
    if shell == "bash":
        return home / (".bash_profile" if sys.platform == "darwin" else ".bashrc")
    if shell == "zsh":
        return Path(ctx.env.get("ZDOTDIR") or home) / ".zshrc"
    if shell == "fish":
        return home / ".config" / "fish" / "config.fish"
    raise StandinError(f"Shell {shell} is not supported by the stand-in")


def _block(ctx: Context, shell: str, root: Path) -> str:
    if shell == "fish":
        body = [
            f'set -gx MAMBA_EXE "{ctx.exe}"',
            f'set -gx MAMBA_ROOT_PREFIX "{root}"',
            "$MAMBA_EXE shell hook --shell fish --root-prefix $MAMBA_ROOT_PREFIX | source",
        ]
    else:
        body = [
            f"export MAMBA_EXE='{ctx.exe}';",
            f"export MAMBA_ROOT_PREFIX='{root}';",
            f'__mamba_setup="$("$MAMBA_EXE" shell hook --shell {shell} '
            '--root-prefix "$MAMBA_ROOT_PREFIX" 2> /dev/null)"',
            "if [ $? -eq 0 ]; then",
            '    eval "$__mamba_setup"',
            "else",
            '    alias micromamba="$MAMBA_EXE"  # Fallback on help from micromamba activate',
            "fi",
            "unset __mamba_setup",
        ]
    note = "# !! Contents within this block are managed by 'micromamba shell init' !!"
    return "\n".join([BEGIN, note, *body, END]) + "\n"


def _strip_block(text: str) -> str:
    return re.sub(rf"\n?{re.escape(BEGIN)}.*?{re.escape(END)}\n?", "\n", text, flags=re.S)


def shell(ctx: Context) -> int:
    """`shell init|deinit|reinit|hook`."""
    action = ctx.invocation.command[1] if len(ctx.invocation.command) > 1 else ""
    shell_name = ctx.invocation.value("--shell") or "bash"
    root = ctx.root_prefix
    if action == "hook":
        print(hook(ctx, shell_name))
        return 0
    if action not in ("init", "deinit", "reinit"):
        raise StandinError(f"'shell {action}' is not supported by the stand-in")
    rc_file = _rc_file(ctx, shell_name)
    text = rc_file.read_text() if rc_file.is_file() else ""
    text = _strip_block(text).rstrip("\n")
    if action == "deinit":
        rc_file.write_text(text + "\n" if text else "")
        print(f'Removing the following in your "{rc_file}" file\n{BEGIN}\n...\n{END}')
        return 0
    block = _block(ctx, shell_name, root)
    rc_file.parent.mkdir(parents=True, exist_ok=True)
    rc_file.write_text((text + "\n\n" if text else "") + block)
    root.mkdir(parents=True, exist_ok=True)
    print(f'Modifying RC file "{rc_file}"')
    print(f'Generating config for root prefix "{root}"')
    print(f'Setting mamba executable to: "{ctx.exe}"')
    print(f'Adding (or replacing) the following in your "{rc_file}" file\n\n{block}')
    return 0


def hook(ctx: Context, shell_name: str) -> str:
    """A shell hook defining a `micromamba` function with activate/deactivate."""
    if shell_name == "fish":
        return f'function micromamba\n    "{ctx.exe}" $argv\nend'
    return "\n".join(
        [
            f"export MAMBA_EXE='{ctx.exe}';",
            f"export MAMBA_ROOT_PREFIX='{ctx.root_prefix}';",
            "micromamba() {",
            '    case "$1" in',
            "        activate)",
            '            export CONDA_PREFIX="$2"; export PATH="$2/bin:$PATH" ;;',
            "        deactivate)",
            '            PATH="${PATH#"$CONDA_PREFIX/bin:"}"; unset CONDA_PREFIX ;;',
            '        *) "$MAMBA_EXE" "$@" ;;',
            "    esac",
            "}",
        ]
    )
