"""devkit drift --export / --compare: a real Linux env against a real osx-arm64 env."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from devkit.drift import snapshot
from devkit.errors import FileFormatError
from tests.drift.conftest import by_name, devkit, drift_json, report_of
from tests.support.channel import NUMPY_VERSIONS, PANDAS_VERSION
from tests.support.fixtures import CreateEnv, Isolation
from tests.support.monorepo import Monorepo
from tests.support.world import World


def export(root: Path, project: str, target: Path) -> dict:
    result = devkit("--root", root, "drift", project, "--export", target)
    assert result.returncode == 0, result.stderr
    return json.loads(target.read_text())


def create_for_platform(world: World, env_file: Path, prefix: Path, platform: str) -> None:
    """What a Mac would build, made here: micromamba's --platform with the Mac's macOS version."""
    env = dict(os.environ, CONDA_OVERRIDE_OSX="12.0")
    argv = [str(world.micromamba), "create", "-y", "-r", os.environ["MAMBA_ROOT_PREFIX"]]
    argv += ["-p", str(prefix), "-f", str(env_file), "--platform", platform, "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_export_then_compare_a_linux_env_with_a_mac_env(
    sample_monorepo: Monorepo,
    create_env: CreateEnv,
    test_world: World,
    isolate: Isolation,
    tmp_path: Path,
) -> None:
    root = sample_monorepo.root
    prefix = create_env(sample_monorepo.etl)  # with its pip section: etl_utils from ./libs
    linux = export(root, "etl", tmp_path / "ci-linux.json")
    assert linux["schema"] == "devkit-env-export" and linux["schema_version"] == 1
    assert set(linux) == {
        "schema",
        "schema_version",
        "devkit_version",
        "created_at",
        "project",
        "platform",
        "machine",
        "prefix",
        "direct",
        "conda",
        "pip",
    }
    assert linux["platform"] == "linux-64" and linux["project"] == "etl"
    on_disk = {p.stem.rsplit("-", 2)[0] for p in (prefix / "conda-meta").glob("*.json")}
    assert {p["name"] for p in linux["conda"]} == on_disk
    assert set(linux["conda"][0]) == {
        "name",
        "version",
        "build",
        "build_number",
        "channel",
        "subdir",
        "url",
        "md5",
        "sha256",
    }
    # pip lists only what pip installed: numpy's own dist-info belongs to its conda package.
    assert linux["pip"] == [{"name": "etl-utils", "version": "0.1.0"}]
    assert {d["text"] for d in linux["direct"]} >= {f"pandas={PANDAS_VERSION}", "numpy"}

    # The same project built on an Apple Silicon Mac (no pip there: its python is a stand-in).
    mac_file = tmp_path / "mac-environment.yml"
    data = yaml.safe_load(sample_monorepo.env_file("etl").read_text())
    data["dependencies"] = [d for d in data["dependencies"] if isinstance(d, str)]
    mac_file.write_text(yaml.safe_dump(data))
    create_for_platform(test_world, mac_file, prefix, "osx-arm64")
    mac = export(root, "etl", tmp_path / "dev-mac.json")
    assert mac["platform"] == "osx-arm64" and mac["pip"] == []

    document, code = drift_json(
        root, "--compare", tmp_path / "dev-mac.json", tmp_path / "ci-linux.json"
    )
    assert code == 1 and document["mode"] == "compare"
    report = report_of(document)
    assert report["platforms"] == ["osx-arm64", "linux-64"]
    assert report["project"] == "etl"
    numpy = by_name(report["version_drift"])["numpy"]
    assert numpy["direct"] and numpy["versions"] == {
        "osx-arm64": NUMPY_VERSIONS["osx-arm64"],
        "linux-64": NUMPY_VERSIONS["linux-64"],
    }
    only = by_name(report["platform_only"])
    assert only["libcxx"]["expected"] and only["libgcc-ng"]["expected"]
    assert only["etl-utils"] == {
        "name": "etl-utils",
        "present": ["linux-64"],
        "missing": ["osx-arm64"],
        "expected": False,
        "because_of": {},
    }
    assert by_name(report["loose_specs"])["numpy"]["resolved"] == numpy["versions"]
    assert report["channel_drift"] == []

    text = devkit(
        "--root", root, "drift", "--compare", tmp_path / "dev-mac.json", tmp_path / "ci-linux.json"
    )
    assert text.returncode == 1 and "etl-utils" in text.stdout and "numpy" in text.stdout


@pytest.mark.slow
def test_two_exports_of_one_env_do_not_drift(
    sample_monorepo: Monorepo, create_env: CreateEnv, tmp_path: Path
) -> None:
    create_env(sample_monorepo.api)
    export(sample_monorepo.root, "api", tmp_path / "a.json")
    export(sample_monorepo.root, "api", tmp_path / "b.json")
    document, code = drift_json(tmp_path, "--compare", tmp_path / "a.json", tmp_path / "b.json")
    assert code == 0
    assert report_of(document)["platforms"] == ["linux-64 (a.json)", "linux-64 (b.json)"]


@pytest.mark.slow
def test_subdir_channel_urls_in_conda_meta_are_one_channel(
    sample_monorepo: Monorepo, create_env: CreateEnv, tmp_path: Path
) -> None:
    # conda and micromamba 1.x record `channel` as the subdir URL (…/conda-forge/linux-64 for
    # one package, …/conda-forge/noarch for the next); 2.x records the name. Same channel.
    prefix = create_env(sample_monorepo.api)
    as_named = export(sample_monorepo.root, "api", tmp_path / "named.json")
    assert {p["channel"] for p in as_named["conda"]} == {"conda-forge"}
    subdirs = set()
    for path in (prefix / "conda-meta").glob("*.json"):
        record = json.loads(path.read_text())
        record["channel"] = record["url"].rsplit("/", 1)[0]
        subdirs.add(record["channel"].rsplit("/", 1)[-1])
        path.write_text(json.dumps(record))
    assert subdirs == {"linux-64", "noarch"}
    as_urls = export(sample_monorepo.root, "api", tmp_path / "urls.json")
    assert {p["channel"] for p in as_urls["conda"]} == {"conda-forge"}
    document, code = drift_json(
        tmp_path, "--compare", tmp_path / "named.json", tmp_path / "urls.json"
    )
    assert code == 0 and report_of(document)["channel_drift"] == []
    assert report_of(document)["notes"] == []
    other = json.loads((tmp_path / "urls.json").read_text())
    other["project"] = "etl"
    (tmp_path / "etl.json").write_text(json.dumps(other))
    document, _ = drift_json(tmp_path, "--compare", tmp_path / "named.json", tmp_path / "etl.json")
    assert report_of(document)["notes"] == ["these are exports of two projects, api and etl"]


@pytest.mark.slow
def test_export_and_compare_errors(sample_monorepo: Monorepo, tmp_path: Path) -> None:
    root = sample_monorepo.root
    no_env = devkit("--root", root, "drift", "api", "--export", tmp_path / "x.json")
    assert no_env.returncode == 1 and "env `api` is not usable" in no_env.stderr
    assert "devkit setup --projects api" in no_env.stderr
    two = devkit("--root", root, "drift", "api", "etl", "--export", tmp_path / "x.json")
    assert two.returncode == 2 and "exactly one project" in two.stderr
    (tmp_path / "bad.json").write_text('{"schema": "something-else"}')
    bad = devkit("drift", "--compare", tmp_path / "bad.json", tmp_path / "bad.json")
    assert bad.returncode == 1
    assert f"{tmp_path / 'bad.json'}: not a `devkit drift --export` file" in bad.stderr


def good_export() -> dict[str, Any]:
    numpy = {"name": "numpy", "version": "1.21.5", "build": "py39_0", "build_number": 0}
    numpy |= {"channel": "conda-forge", "subdir": "linux-64", "url": "", "md5": None}
    return {
        "schema": "devkit-env-export",
        "schema_version": 1,
        "project": "api",
        "platform": "linux-64",
        "direct": [{"text": "numpy", "name": "numpy", "version": None, "selector": None}],
        "conda": [numpy, {"name": "six", "version": "1.16.0"}],
        "pip": [{"name": "etl-utils", "version": "0.1.0"}],
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (("project",), [1], "`project` must be a string or null, not an array"),
        (("platform",), None, "`platform` must be a non-empty string, not null"),
        (("platform",), 64, "`platform` must be a non-empty string, not a number (64)"),
        (("conda",), {}, "`conda` must be an array, not an object"),
        (("conda",), None, "`conda` must be an array, not null"),
        (("conda", 1), "six", "`conda[1]` must be an object, not a string ('six')"),
        (("conda", 1, "version"), 1.16, "`conda[1].version` must be a non-empty string"),
        (("conda", 1, "name"), None, "`conda[1].name` must be a non-empty string, not null"),
        (("conda", 0, "build"), ["py39_0"], "`conda[0].build` must be a string or null"),
        (("conda", 0, "build_number"), "0", "`conda[0].build_number` must be an integer"),
        (("conda", 0, "build_number"), True, "`conda[0].build_number` must be an integer"),
        (("conda", 0, "channel"), {}, "`conda[0].channel` must be a string or null"),
        (("conda", 0, "md5"), 5, "`conda[0].md5` must be a string or null"),
        (("pip",), {}, "`pip` must be an array or null, not an object"),
        (("pip", 0), ["etl-utils"], "`pip[0]` must be an object, not an array"),
        (("pip", 0, "version"), 1, "`pip[0].version` must be a non-empty string"),
        (("direct",), "numpy", "`direct` must be an array or null, not a string"),
        (("direct", 0, "text"), None, "`direct[0].text` must be a non-empty string"),
        (("direct", 0, "selector"), 1, "`direct[0].selector` must be a string or null"),
    ],
)
def test_a_malformed_export_names_its_file_and_field(
    tmp_path: Path, field: tuple[str | int, ...], value: object, message: str
) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(good_export()))
    assert set(snapshot.load(path).conda) == {"numpy", "six"}
    document = good_export()
    *parents, last = field
    target: Any = document
    for key in parents:
        target = target[key]
    target[last] = value
    path.write_text(json.dumps(document))
    with pytest.raises(FileFormatError) as caught:
        snapshot.load(path)
    assert caught.value.message.startswith(f"{path}: malformed export: {message}"), (
        caught.value.message
    )


@pytest.mark.slow
def test_compare_with_a_malformed_export_exits_1(tmp_path: Path) -> None:
    document = good_export() | {"project": [1]}
    (tmp_path / "bad.json").write_text(json.dumps(document))
    (tmp_path / "good.json").write_text(json.dumps(good_export()))
    result = devkit("drift", "--compare", tmp_path / "good.json", tmp_path / "bad.json")
    assert result.returncode == 1, result.stderr  # an error, not a crash (3)
    assert f"{tmp_path / 'bad.json'}: malformed export: `project` must be" in result.stderr
