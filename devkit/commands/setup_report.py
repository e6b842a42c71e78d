"""What setup shows: each step as it is recorded, then the closing table and the next steps."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from devkit import console, facts
from devkit.commands import dotenv as dotenv_cmd
from devkit.commands import envsetup
from devkit.conda import envs, envspec, micromamba, shellrc
from devkit.errors import DevkitError
from devkit.repo import monorepo

_MARKS = {
    envsetup.StepStatus.DONE: "✓",
    envsetup.StepStatus.SKIPPED: "·",
    envsetup.StepStatus.FAILED: "✗",
}


def show_step(step: envsetup.Step) -> None:
    """One line on stderr as a step is recorded, so a long setup shows where it is."""
    console.info(f"{_MARKS[step.status]} {step.name}: {step.detail}")


def ready(summary: envsetup.Summary, chosen: list[monorepo.Project]) -> list[monorepo.Project]:
    """The chosen projects whose env can be used: later steps never point at one that failed."""
    failed = {step.name for step in summary.rows if step.status is envsetup.StepStatus.FAILED}
    return [p for p in chosen if f"env {p.name}" not in failed]


@dataclass(frozen=True)
class Activation:
    """Whether `micromamba activate <env>` works in a new terminal, and if not, why."""

    works: bool
    reason: str = ""
    fixable: bool = False  # doctor's shell.init fixer can add the rc block


def activation(mm: micromamba.Micromamba, machine: facts.MachineFacts) -> Activation:
    """Read the rc file now: the shell step may have been skipped, declined or done before."""
    rc = machine.rc_file()
    if rc is None:
        return Activation(False, f"devkit cannot set it up for {machine.shell or 'your shell'}")
    state = shellrc.read(rc)
    if state.serves(mm.root_prefix):
        return Activation(True)
    if state.initialised:
        reason = f"{rc} activates envs under {state.root_prefix}, not {mm.root_prefix}"
    else:
        reason = f"{rc} has no micromamba block"
        # Without the block's shell function, `micromamba` is only the binary: off PATH it is
        # `command not found`, on PATH it refuses to activate.
        if shutil.which("micromamba") is None:
            reason = f"micromamba is not on PATH and {reason}"
    return Activation(False, reason, fixable=True)


def show(
    summary: envsetup.Summary,
    ready: list[monorepo.Project],
    written: dict[str, dotenv_cmd.Written],
    activation: Activation,
) -> None:
    """The closing table, then the next steps that work on this machine now."""
    from rich.table import Table  # rich's table machinery only once setup is done

    table = Table("step", "result", "detail", box=None, pad_edge=False)
    for step in summary.rows:
        console.add_row(table, step.name, step.status.value, step.detail)
    console.out().print(table)
    first = ready[0].name if ready else "<project>"
    # `devkit run` refuses without the variables production sets: say what comes first.
    run = f"`devkit run {first}` to start a service"
    if ready and dotenv_cmd.needs_dotenv(ready[0]):
        run = f"`devkit dotenv {first}` to write its .env, then {run}"
    elif first in written and written[first].unfilled:
        where = dotenv_cmd.shown(written[first].path)
        run = f"fill in {', '.join(written[first].unfilled)} in {where}, then {run}"
    console.out().print(
        f"\nNext: `devkit doctor` to check everything, {run},"
        f" `devkit shell {first}` for a shell in its env."
    )
    names = env_names(ready)
    if not names:
        return
    # Only what works on this machine now: a hint that ends in `command not found` is worse
    # than none.
    if activation.works:
        console.out().print(
            f"In a new terminal, `micromamba activate {names[0]}` activates an env "
            f"(envs: {', '.join(names)})."
        )
        return
    enable = (
        "; `devkit doctor --check shell.init --fix` sets it up for new terminals"
        if activation.fixable
        else ""
    )
    console.out().print(
        f"`micromamba activate` does not work here yet ({activation.reason}): "
        f"`devkit shell {first}` is the way into an env{enable}."
    )


def env_names(projects: list[monorepo.Project]) -> list[str]:
    """The env names of projects whose environment file parses."""
    names = []
    for project in projects:
        try:
            names.append(envs.env_name(project, envspec.parse(project.env_file)))
        except DevkitError:
            continue
    return names
