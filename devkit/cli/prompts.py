"""Asking the user: questionary on a terminal, defaults (or an error naming the flag) without."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit import console
from devkit.errors import UsageError

if TYPE_CHECKING:
    from devkit.commands.new import Question


def can_prompt() -> bool:
    """Prompts only with a person at a terminal, and never in CI: no TTY means no prompt and no
    hang. stdout may be redirected (`doctor --fix > report.txt`): questions go to the terminal."""
    if os.environ.get("CI") or not sys.stdin.isatty():
        return False
    return sys.stdout.isatty() or _controlling_terminal()


def _controlling_terminal() -> bool:
    try:
        os.close(os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY))
    except OSError:  # ENXIO: no controlling terminal (setsid, some IDE runners)
        return False
    return True


@contextlib.contextmanager
def _on_terminal() -> Iterator[dict[str, Any]]:
    """questionary's keywords that draw a question where the person answering sees it."""
    # questionary draws on stdout. With stdout redirected (`> report.txt`, `--json | jq`) the
    # question would be invisible and end up in the file: draw it on the controlling terminal,
    # the one stdin reads from, and leave stdout to the results.
    if sys.stdout.isatty():
        yield {}
        return
    from prompt_toolkit.output import create_output

    with Path("/dev/tty").open("w", encoding="utf-8") as tty:
        yield {"output": create_output(stdout=tty)}


def confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal (only called when ``can_prompt()``)."""
    import questionary

    with _on_terminal() as where:
        # y then Enter: with auto_enter, `y` alone answers and the habitual Enter after it
        # answers the next question (an empty secret, at setup's .env step).
        answer = questionary.confirm(question, default=False, auto_enter=False, **where).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise KeyboardInterrupt
    return bool(answer)


def ask_variable(question: str, default: str | None, secret: bool) -> str:
    """Ask for a variable's value on the terminal; a secret one is typed unseen (``*``).

    An empty answer is allowed (the caller leaves the variable to fill in later).
    """
    import questionary

    prompt = questionary.password if secret else questionary.text
    with _on_terminal() as where:
        answer = prompt(f"{question}:", default=default or "", **where).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise KeyboardInterrupt
    # A pasted credential often brings a space or newline along; none is meant.
    return answer.strip()


class TerminalPrompter:
    """Questions on the terminal, with questionary."""

    interactive = True

    def text(self, question: str, default: str | None, flag: str) -> str:
        """Ask for text; an empty answer takes the default."""
        import questionary

        with _on_terminal() as where:
            answer = questionary.text(question, default=default or "", **where).ask()
        if answer is None:
            raise KeyboardInterrupt
        if not answer.strip():
            raise UsageError(f"{question}: an answer is needed", hint=f"or pass {flag}")
        return answer.strip()

    def choose(self, question: str, choices: list[str], flag: str) -> list[str]:
        """Tick some of the choices (all ticked to start with)."""
        import questionary

        choice = [questionary.Choice(c, checked=True) for c in choices]
        with _on_terminal() as where:
            answer = questionary.checkbox(question, choices=choice, **where).ask()
        if answer is None:
            raise KeyboardInterrupt
        return list(answer)

    def confirm(self, question: str, flag: str) -> bool:
        """Yes or no."""
        return confirm(question)

    def value(self, question: str, default: str | None, secret: bool) -> str:
        """A variable's value (may be empty); secret ones typed unseen."""
        return ask_variable(question, default, secret)


class DefaultsPrompter:
    """No terminal (or --yes): defaults where there are some, never a prompt, never a hang."""

    interactive = False

    def __init__(self, *, yes: bool) -> None:
        self.yes = yes

    def text(self, question: str, default: str | None, flag: str) -> str:
        """The default, or an error naming the flag that answers the question."""
        if default is None:
            raise UsageError(f"{question}: no default, and no terminal to ask", hint=f"pass {flag}")
        return default

    def choose(self, question: str, choices: list[str], flag: str) -> list[str]:
        """Everything."""
        return choices

    def confirm(self, question: str, flag: str) -> bool:
        """Yes only with --yes: changing the user's files or envs needs an explicit yes."""
        if not self.yes:
            console.info(f"{question} not without a yes (pass {flag})")
        return self.yes

    def value(self, question: str, default: str | None, secret: bool) -> str:
        """The default, or empty (setup asks for no value when it cannot ask)."""
        return default or ""


def ask_value(question: Question, default: str | None) -> str:
    """Ask for one template value on the terminal (only called when ``can_prompt()``)."""
    import questionary

    def check(text: str) -> bool | str:
        if not text.strip():
            return f"required (or pass {question.flag})"
        return question.problem(text.strip()) or True

    with _on_terminal() as where:
        answer = questionary.text(
            f"{question.prompt}:", default=default or "", validate=check, **where
        ).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise KeyboardInterrupt
    return answer.strip()
