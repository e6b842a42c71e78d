"""Asking the user: questionary on a terminal, defaults (or an error naming the flag) without."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from devkit import console
from devkit.errors import UsageError

if TYPE_CHECKING:
    from devkit.commands.new import Question


def can_prompt() -> bool:
    """Prompts only on a real terminal, and never in CI: no TTY means no prompt and no hang."""
    # questionary draws on stdout: with stdout redirected (`--json > file`) the question would
    # be invisible and end up in the file.
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal (only called when ``can_prompt()``)."""
    import questionary

    answer = questionary.confirm(question, default=False).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise KeyboardInterrupt
    return bool(answer)


class TerminalPrompter:
    """Questions on the terminal, with questionary."""

    interactive = True

    def text(self, question: str, default: str | None, flag: str) -> str:
        """Ask for text; an empty answer takes the default."""
        import questionary

        answer = questionary.text(question, default=default or "").ask()
        if answer is None:
            raise KeyboardInterrupt
        if not answer.strip():
            raise UsageError(f"{question}: an answer is needed", hint=f"or pass {flag}")
        return answer.strip()

    def choose(self, question: str, choices: list[str], flag: str) -> list[str]:
        """Tick some of the choices (all ticked to start with)."""
        import questionary

        answer = questionary.checkbox(
            question, choices=[questionary.Choice(c, checked=True) for c in choices]
        ).ask()
        if answer is None:
            raise KeyboardInterrupt
        return list(answer)

    def confirm(self, question: str, flag: str) -> bool:
        """Yes or no."""
        return confirm(question)


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


def ask_value(question: Question, default: str | None) -> str:
    """Ask for one template value on the terminal (only called when ``can_prompt()``)."""
    import questionary

    def check(text: str) -> bool | str:
        if not text.strip():
            return f"required (or pass {question.flag})"
        return question.problem(text.strip()) or True

    answer = questionary.text(f"{question.prompt}:", default=default or "", validate=check).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise KeyboardInterrupt
    return answer.strip()
