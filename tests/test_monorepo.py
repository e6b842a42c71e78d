"""Finding the monorepo, its projects, and refusing names that are not projects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit.errors import (
    DevkitError,
    FileFormatError,
    MonorepoNotFoundError,
    ProjectNotFoundError,
    UsageError,
)
from devkit.repo import config, monorepo


def make_repo(root: Path, *names: str, devkit_yaml: str | None = None) -> Path:
    for name in names:
        folder = root / "projects" / name
        folder.mkdir(parents=True)
        (folder / "environment.yml").write_text(f"name: {name}\ndependencies: [python]\n")
    if devkit_yaml is not None:
        (root / "devkit.yaml").write_text(devkit_yaml)
    return root


def test_projects_are_folders_with_an_environment_file(tmp_path: Path) -> None:
    make_repo(tmp_path, "address-api", "ingest")
    (tmp_path / "projects" / "notes").mkdir()  # no environment file: not a project
    yaml_project = tmp_path / "projects" / "legacy"
    yaml_project.mkdir()
    (yaml_project / "environment.yaml").write_text("name: legacy\n")
    repo = monorepo.load(tmp_path)
    assert [p.name for p in repo.projects()] == ["address-api", "ingest", "legacy"]
    assert repo.project("legacy").env_file.name == "environment.yaml"


def test_unknown_project_suggests_the_closest(tmp_path: Path) -> None:
    repo = monorepo.load(make_repo(tmp_path, "address-api", "ingest"))
    with pytest.raises(ProjectNotFoundError) as info:
        repo.project("adress-api")
    assert info.value.hint == "did you mean `address-api`?"
    with pytest.raises(ProjectNotFoundError) as info:
        repo.project("zzz")
    assert info.value.hint == "did you mean one of: address-api, ingest?"


def test_folder_without_environment_file_is_explained(tmp_path: Path) -> None:
    repo = monorepo.load(make_repo(tmp_path, "api"))
    (tmp_path / "projects" / "docs").mkdir()
    with pytest.raises(ProjectNotFoundError, match=r"has no environment\.yml"):
        repo.project("docs")


@pytest.mark.parametrize("name", ["..", ".", "../api", "a/b", "/etc", "~root", ""])
def test_names_that_escape_the_projects_folder_are_refused(tmp_path: Path, name: str) -> None:
    repo = monorepo.load(make_repo(tmp_path, "api"))
    (tmp_path / "environment.yml").write_text("name: root\n")  # bait for `..`
    with pytest.raises(UsageError, match="invalid project name"):
        repo.project(name)


def test_root_is_found_upwards_from_a_subfolder(tmp_path: Path) -> None:
    make_repo(tmp_path, "api")
    deep = tmp_path / "projects" / "api" / "pkg"
    deep.mkdir()
    assert monorepo.find_root(None, deep, None) == tmp_path


def test_devkit_yaml_marks_the_root_too(tmp_path: Path) -> None:
    (tmp_path / "devkit.yaml").write_text("projects_dir: services\n")
    (tmp_path / "services").mkdir()
    assert monorepo.find_root(None, tmp_path / "services", None) == tmp_path


def test_explicit_root_wins_and_must_exist(tmp_path: Path) -> None:
    make_repo(tmp_path / "a", "api")
    make_repo(tmp_path / "b", "etl")
    assert monorepo.find_root(tmp_path / "b", tmp_path / "a", None) == tmp_path / "b"
    with pytest.raises(MonorepoNotFoundError, match="is not a folder"):
        monorepo.find_root(tmp_path / "missing", tmp_path, None)


def test_falls_back_to_the_recorded_clone(tmp_path: Path) -> None:
    clone = make_repo(tmp_path / "clone", "api")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert monorepo.find_root(None, elsewhere, clone) == clone
    with pytest.raises(MonorepoNotFoundError, match="no monorepo found"):
        monorepo.find_root(None, elsewhere, None)
    with pytest.raises(MonorepoNotFoundError) as caught:
        monorepo.find_root(None, elsewhere, tmp_path / "moved-away")
    assert f"the clone `devkit setup` recorded, {tmp_path / 'moved-away'}, is gone" in str(
        caught.value.message
    )


def test_devkit_yaml_moves_projects_and_sets_run_commands(tmp_path: Path) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    (tmp_path / "services" / "api" / "environment.yml").write_text("name: api\n")
    (tmp_path / "devkit.yaml").write_text(
        "projects_dir: services\nprojects:\n  api:\n    run: python -m api --port $PORT\n"
    )
    repo = monorepo.load(tmp_path)
    api = repo.project("api")
    assert api.settings.run == ("python", "-m", "api", "--port", "$PORT")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("project_dir: x\n", 1, "did you mean `projects_dir`"),
        ("projects_dir: ../outside\n", 1, "points outside the monorepo"),
        ("projects:\n  api:\n    runn: x\n", 3, "did you mean `run`"),
        ("projects:\n  api:\n    run: 'unterminated\n", 3, "invalid YAML"),
        ('projects:\n  api:\n    run: "a \'b"\n', 3, "`run`"),
        ("projects:\n  api: [1]\n", 2, "must be a mapping"),
    ],
)
def test_bad_devkit_yaml_names_file_and_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    (tmp_path / "devkit.yaml").write_text(text)
    with pytest.raises(FileFormatError) as info:
        config.load_repo_config(tmp_path)
    assert info.value.line == line
    assert fragment in info.value.message


def test_a_projects_folder_without_projects_is_not_a_monorepo(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "projects" / "side-project").mkdir(parents=True)  # a user's ~/projects
    clone = make_repo(tmp_path / "clone", "api")
    assert monorepo.find_root(None, home / "projects" / "side-project", clone) == clone


def test_a_projects_dir_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    make_repo(tmp_path, devkit_yaml="projects_dir: README.md\n")
    (tmp_path / "README.md").write_text("# not a folder\n")
    with pytest.raises(DevkitError) as caught:
        monorepo.load(tmp_path)
    assert f"the projects folder {tmp_path / 'README.md'} is not a folder" in caught.value.message
    assert caught.value.hint and "projects_dir" in caught.value.hint


@pytest.mark.slow
def test_settings_for_a_project_that_does_not_exist_warn_with_line(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        "ingest",
        devkit_yaml="projects:\n  ingest: {}\n  ingset:\n    platforms: [linux-64]\n",
    )
    repo = monorepo.load(tmp_path)
    assert [p.name for p in repo.projects()] == ["ingest"]
    assert repo.warnings == (
        f"{tmp_path / 'devkit.yaml'}:3: settings for `ingset`, which is not a project; "
        "did you mean `ingest`?",
    )
    # Every command shows them once, on stderr.
    import subprocess
    import sys

    devkit = Path(sys.executable).parent / "devkit"
    shown = subprocess.run(
        [str(devkit), "--root", str(tmp_path), "ls"], capture_output=True, text=True, check=False
    )
    assert shown.stderr.count("settings for `ingset`") == 1


def test_a_project_named_twice_is_selected_once(tmp_path: Path) -> None:
    repo = monorepo.load(make_repo(tmp_path, "api", "etl"))
    assert [p.name for p in repo.select(["etl", "api", "etl"])] == ["etl", "api"]


@pytest.mark.parametrize("name", ["x" * 256, "é" * 128, "x" * 20_000])
def test_names_longer_than_a_folder_name_are_refused(tmp_path: Path, name: str) -> None:
    repo = monorepo.load(make_repo(tmp_path, "api"))
    with pytest.raises(UsageError) as info:
        repo.project(name)
    assert "invalid project name" in info.value.message
    assert "at most 255 bytes" in info.value.message
    assert len(info.value.message) < 300  # the name is shortened, not printed whole


def test_a_name_the_filesystem_takes_is_only_not_found(tmp_path: Path) -> None:
    repo = monorepo.load(make_repo(tmp_path, "api"))
    with pytest.raises(ProjectNotFoundError):
        repo.project("x" * 255)


def test_one_validator_for_every_command(tmp_path: Path) -> None:
    projects = make_repo(tmp_path, "api") / "projects"
    monorepo.validate_project_name("api", projects)
    with pytest.raises(UsageError):
        monorepo.validate_project_name("a/b", projects)
    with pytest.raises(UsageError):
        monorepo.validate_project_name("x" * 300, projects)


def test_projects_that_resolve_outside_the_monorepo_are_never_read(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", "api")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "linked").mkdir(parents=True)
    (elsewhere / "linked" / "environment.yml").write_text("name: linked\n")
    (elsewhere / "secret").write_text("root:$6$hash:19000:0:99999:7:::\n")
    (root / "projects" / "linked").symlink_to(elsewhere / "linked")
    (root / "projects" / "shadow").mkdir()
    (root / "projects" / "shadow" / "environment.yml").symlink_to(elsewhere / "secret")
    # A symlink that stays inside the monorepo is fine.
    (root / "shared").mkdir()
    (root / "shared" / "environment.yml").write_text("name: inside\n")
    (root / "projects" / "inside").mkdir()
    (root / "projects" / "inside" / "environment.yml").symlink_to(
        root / "shared" / "environment.yml"
    )

    repo = monorepo.load(root)
    assert [p.name for p in repo.projects()] == ["api", "inside"]
    outside = {o.name: o for o in repo.outside_projects()}
    assert set(outside) == {"linked", "shadow"}
    assert outside["linked"].target == (elsewhere / "linked").resolve()
    assert outside["shadow"].target == (elsewhere / "secret").resolve()
    assert any(f"resolves to {elsewhere / 'secret'}" in w for w in repo.warnings)
    for name in ("linked", "shadow"):
        with pytest.raises(DevkitError) as info:
            repo.project(name)
        assert "outside the monorepo" in info.value.message
        assert "root:$6$" not in info.value.message


def test_a_devkit_yaml_outside_the_monorepo_is_not_read(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", "api")
    (tmp_path / "secret").write_text("root:$6$hash:19000\n")
    (root / "devkit.yaml").symlink_to(tmp_path / "secret")
    with pytest.raises(FileFormatError) as info:
        config.load_repo_config(root)
    assert "outside the monorepo" in info.value.message and "root:$6$" not in info.value.message


def _iterdir_scan(repo: monorepo.Monorepo) -> list[monorepo.Project | monorepo.Outside]:
    """The scan as it was before it listed the folder with scandir: the reference."""
    found: list[monorepo.Project | monorepo.Outside] = []
    for entry in sorted(repo.projects_dir.iterdir()):
        env_file = monorepo._env_file_in(entry) if entry.is_dir() else None
        if env_file is not None:
            found.append(repo._project(entry.name, entry, env_file))
    return found


def _every_kind_of_entry(root: Path, elsewhere: Path) -> None:
    make_repo(root, "api", "B-upper", "a.b", "a-b", "é", devkit_yaml="projects:\n  gone: {}\n")
    projects = root / "projects"
    (projects / "notes").mkdir()  # no environment file
    (projects / "file").write_text("a file, not a folder\n")
    (projects / "yaml-only").mkdir()
    (projects / "yaml-only" / "environment.yaml").write_text("name: y\n")
    (projects / "env-is-a-folder").mkdir()
    (projects / "env-is-a-folder" / "environment.yml").mkdir()
    (projects / "env-is-a-folder" / "environment.yaml").write_text("name: f\n")
    (projects / "env-is-a-pipe").mkdir()
    os.mkfifo(projects / "env-is-a-pipe" / "environment.yml")
    (projects / "broken-env").mkdir()
    (projects / "broken-env" / "environment.yml").symlink_to("gone.yml")
    (projects / "broken-env" / "environment.yaml").write_text("name: b\n")
    (projects / "env-to-folder").mkdir()
    (projects / "env-to-folder" / "environment.yml").symlink_to(projects / "notes")
    (projects / "env-inside").mkdir()
    (projects / "env-inside" / "environment.yml").symlink_to(projects / "api" / "environment.yml")
    (elsewhere / "secret").write_text("root:$6$hash:19000\n")
    (elsewhere / "linked").mkdir()
    (elsewhere / "linked" / "environment.yml").write_text("name: linked\n")
    (projects / "env-outside").mkdir()
    (projects / "env-outside" / "environment.yml").symlink_to(elsewhere / "secret")
    (projects / "folder-outside").symlink_to(elsewhere / "linked")
    (projects / "folder-inside").symlink_to(projects / "api")
    (projects / "folder-broken").symlink_to(projects / "nothing")
    (projects / "folder-to-file").symlink_to(projects / "file")
    (projects / "loop").symlink_to(projects / "loop")


def test_the_scan_finds_what_the_iterdir_scan_found(tmp_path: Path) -> None:
    # Every kind of entry a projects folder may hold, each told apart by the folder listing
    # and lstat: the same projects, the same refusals and warnings as the Path-based scan.
    (tmp_path / "elsewhere").mkdir()
    _every_kind_of_entry(tmp_path / "repo", tmp_path / "elsewhere")
    repo = monorepo.load(tmp_path / "repo")
    assert repo._scan() == _iterdir_scan(repo)
    assert [p.name for p in repo.projects()] == [
        "B-upper", "a-b", "a.b", "api", "broken-env", "env-inside", "env-is-a-folder",
        "folder-inside", "yaml-only", "é",
    ]  # fmt: skip
    assert {o.name for o in repo.outside_projects()} == {"env-outside", "folder-outside"}
    assert len(repo.warnings) == 3 and "settings for `gone`" in repo.warnings[-1]
    assert all("root:$6$" not in w for w in repo.warnings)


def test_a_projects_folder_outside_makes_every_project_outside(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    _every_kind_of_entry(tmp_path / "elsewhere" / "repo", tmp_path / "elsewhere")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "projects").symlink_to(tmp_path / "elsewhere" / "repo" / "projects")
    repo = monorepo.load(root)
    assert repo._scan() == _iterdir_scan(repo)
    assert repo.projects() == [] and len(repo.outside_projects()) == 12
    assert len(repo.warnings) == 12
