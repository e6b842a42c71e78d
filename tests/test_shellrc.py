"""Reading micromamba's block in a shell rc file: initialised, and for which root prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.conda import shellrc

BASH_BLOCK = """\
# >>> mamba initialize >>>
# !! Contents within this block are managed by 'micromamba shell init' !!
export MAMBA_EXE='/home/ana/.local/bin/micromamba';
{assignment}
__mamba_setup="$("$MAMBA_EXE" shell hook --shell bash \\
    --root-prefix "$MAMBA_ROOT_PREFIX" 2> /dev/null)"
if [ $? -eq 0 ]; then
    eval "$__mamba_setup"
fi
unset __mamba_setup
# <<< mamba initialize <<<
"""


@pytest.mark.parametrize(
    ("assignment", "root"),
    [
        ("export MAMBA_ROOT_PREFIX='/home/ana/micromamba';", "/home/ana/micromamba"),  # 1.x, 2.x
        ('set -gx MAMBA_ROOT_PREFIX "/home/ana/micromamba"', "/home/ana/micromamba"),  # fish
        ("export MAMBA_ROOT_PREFIX='/srv/my envs';", "/srv/my envs"),
        ('export MAMBA_ROOT_PREFIX="$HOME/mm";', "{home}/mm"),  # hand-edited dotfiles
        ("export MAMBA_ROOT_PREFIX='$HOME/mm';", None),  # single quotes: the shell keeps `$HOME`
        ('export MAMBA_ROOT_PREFIX="$(cat ~/.root)";', None),  # only the shell knows
        ("# export MAMBA_ROOT_PREFIX='/old';\nexport MAMBA_ROOT_PREFIX='/new';", "/new"),
        ("", None),  # only uses of the variable: the root is unknown, not `2> /dev/null)`
    ],
)
def test_the_root_prefix_a_block_assigns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, assignment: str, root: str | None
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    rc = tmp_path / ".bashrc"
    rc.write_text("alias ll='ls -l'\n" + BASH_BLOCK.format(assignment=assignment))
    state = shellrc.read(rc)
    assert state.initialised
    expected = Path(root.format(home=tmp_path)) if root else None
    assert state.root_prefix == expected


def test_no_block_or_no_file_initialises_nothing(tmp_path: Path) -> None:
    assert not shellrc.read(tmp_path / "missing").initialised
    (tmp_path / ".zshrc").write_text("export MAMBA_ROOT_PREFIX=/x\n")  # outside any block
    assert shellrc.read(tmp_path / ".zshrc") == shellrc.RcState(False)
    assert not shellrc.RcState(False).serves(tmp_path)
    assert shellrc.RcState(True, None).serves(tmp_path)
