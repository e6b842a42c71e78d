"""The pure parts, in-process: channel resolution, targets, config keys, analysis, lock matching.

Nothing here calls py-rattler's async APIs (MatchSpec parsing and matching are synchronous).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.conda import channels, condarc, envspec, lockfile
from devkit.conda.culprits import culprit_from
from devkit.conda.package import Package, parse_file_name
from devkit.conda.platforms import Target
from devkit.drift import targets
from devkit.drift.analysis import Observation, analyse
from devkit.errors import FileFormatError, UsageError
from devkit.repo import config
from devkit.repo.monorepo import Project

# Explanations py-rattler 0.28 gave for the test world's channels, verbatim.
NO_CANDIDATES = (
    "Cannot solve the request because of: No candidates were found for postal 1.1.9.*.\n"
)
NEEDS_OSX = """Cannot solve the request because of: geos * cannot be installed because \
there are no viable options:
└─ geos 3.10.2 would require
   └─ __osx >=11.0, for which no candidates were found.
"""
NEEDS_PYTHON = """Cannot solve the request because of: numpy ==1.21.5 py311* cannot be \
installed because there are no viable options:
└─ numpy 1.21.5 would require
   └─ python >=3.11,<3.12.0a0, for which no candidates were found.
"""


def spec_of(
    tmp_path: Path, *deps: str, channels_: tuple[str, ...] = ("conda-forge",)
) -> envspec.EnvSpec:
    lines = ["name: t", "channels:", *(f"  - {c}" for c in channels_), "dependencies:"]
    lines += [f"  - {d}" for d in deps]
    path = tmp_path / "environment.yml"
    path.write_text("\n".join(lines) + "\n")
    return envspec.parse(path)


def pkg(
    name: str, version: str = "1.0", channel: str = "conda-forge", subdir: str = "linux-64"
) -> Package:
    return Package(name, version, "h0_0", subdir, channel)


def test_rattler_explanations_reduce_to_the_culprit(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "python=3.9", "postal=1.1.9", "geos", "numpy=1.21.5=py311*")
    deps = list(spec.dependencies)
    arm = Target("osx-arm64", ("__unix=0=0", "__osx=10.15=0"))
    dep, reason = culprit_from(NO_CANDIDATES, deps, arm)
    assert dep is not None and dep.text == "postal=1.1.9" and reason == "no osx-arm64 build"
    dep, reason = culprit_from(NEEDS_OSX, deps, arm)
    assert dep is not None and dep.name == "geos"
    assert reason == "needs __osx >=11.0, but osx-arm64 is solved with __osx=10.15"
    linux = Target("linux-64", ("__glibc=2.17=0",))
    dep, reason = culprit_from(NEEDS_PYTHON, deps, linux)
    assert dep is not None and dep.name == "numpy"
    assert reason == "needs python >=3.11,<3.12.0a0, which no linux-64 build satisfies here"
    dep, reason = culprit_from("Cannot solve the request because of: something new\n", deps, linux)
    assert dep is None and reason == "something new"


def test_channels_resolve_like_micromamba(tmp_path: Path) -> None:
    rc_file = tmp_path / ".condarc"
    rc_file.write_text(
        "channel_alias: https://mirror.corp/conda\n"
        "channels: [conda-forge]\n"
        "default_channels: [https://mirror.corp/conda/main]\n"
        "custom_channels: {internal: https://pkgs.corp}\n"
    )
    rc = condarc.read([rc_file])
    resolved = channels.resolve(["bioconda", "defaults", "internal", "https://x.org/y/"], rc, {})
    assert [(c.name, c.url) for c in resolved] == [
        ("bioconda", "https://mirror.corp/conda/bioconda"),
        ("main", "https://mirror.corp/conda/main"),
        ("internal", "https://pkgs.corp/internal"),
        ("https://x.org/y", "https://x.org/y"),
        ("conda-forge", "https://mirror.corp/conda/conda-forge"),  # the rc's channels come last
    ]
    assert [
        c.name for c in channels.resolve(["conda-forge", "defaults", "nodefaults"], rc, {})
    ] == ["conda-forge"]
    local = channels.resolve([str(tmp_path / "chan")], rc, {})[0]
    assert local.url == (tmp_path / "chan").as_uri()


def test_rc_files_merge_highest_first(tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    low.write_text("channel_alias: https://low\nchannels: [a]\n")
    high.write_text("channel_alias: https://high\nchannels: [b]\n")
    rc = condarc.read([low, high])
    assert rc.channel_alias == "https://high" and rc.channels == ("b", "a")
    assert condarc.read([]).channel_alias == "https://conda.anaconda.org"


def test_an_rc_file_devkit_cannot_read_is_skipped(tmp_path: Path) -> None:
    deep, good = tmp_path / "deep", tmp_path / "good"
    deep.write_text("channels: " + "[" * 5000 + "]" * 5000 + "\n")
    good.write_text("channel_alias: https://good\n")
    assert condarc.read([good, deep]).channel_alias == "https://good"


def test_mirrors_take_the_longest_matching_prefix() -> None:
    mirrors = {
        "https://conda.anaconda.org": "https://all.mirror",
        "https://conda.anaconda.org/conda-forge": "file:///srv/cf",
    }
    rc = condarc.Condarc()
    cf, bio = channels.resolve(["conda-forge", "bioconda"], rc, mirrors)
    assert cf.url == "https://conda.anaconda.org/conda-forge" and cf.fetch_url == "file:///srv/cf"
    assert cf.mirrored and bio.fetch_url == "https://all.mirror/bioconda"
    assert channels.name_of("file:///srv/cf/linux-64", [cf, bio]) == "conda-forge"


def test_devkit_yaml_drift_keys(tmp_path: Path) -> None:
    # Only these keys, no `projects:`: a devkit.yaml like that must load.
    (tmp_path / "devkit.yaml").write_text(
        "platforms: [linux-64, osx-arm64]\n"
        "channel_priority: strict\n"
        "virtual_packages:\n  linux-64: [__glibc=2.28, __unix]\n"
        "mirrors:\n  https://conda.anaconda.org/conda-forge/: file:///srv/cf/\n"
    )
    repo = config.load_repo_config(tmp_path)
    assert repo.platforms == ("linux-64", "osx-arm64") and repo.channel_priority == "strict"
    assert repo.virtual_packages == {"linux-64": ("__glibc=2.28", "__unix")}
    assert repo.mirrors == {"https://conda.anaconda.org/conda-forge": "file:///srv/cf"}
    found = targets.targets(("linux-64", "osx-64"), repo)
    assert found[0].virtual_packages == ("__glibc=2.28=0", "__unix=0=0")
    assert found[1].virtual_packages == ("__unix=0=0", "__osx=11.0=0", "__archspec=1=x86_64")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("platforms: linux-64\n", 1, "`platforms` must be a list"),
        ("projects:\n  api:\n    platforms: [beos]\n", 3, "unknown platform 'beos'"),
        ("channel_priority: loose\n", 1, "`channel_priority` must be one of"),
        ("virtual_packages:\n  linux-64: [glibc]\n", 2, "must be a list like"),
        ("mirrors:\n  conda-forge: file:///x\n", 2, "must map a channel URL to a URL"),
    ],
)
def test_devkit_yaml_drift_keys_errors(tmp_path: Path, text: str, line: int, message: str) -> None:
    (tmp_path / "devkit.yaml").write_text(text)
    with pytest.raises(FileFormatError) as caught:
        config.load_repo_config(tmp_path)
    assert caught.value.line == line and message in caught.value.message


def test_platform_choice_and_priority(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "python")
    repo = config.RepoConfig(platforms=("osx-64",))
    project = Project("t", tmp_path, spec.path, config.ProjectSettings(platforms=("linux-64",)))
    assert (
        targets.choose_platforms((), spec, None, config.RepoConfig()) == targets.DEFAULT_PLATFORMS
    )
    assert targets.choose_platforms((), spec, None, repo) == ("osx-64",)
    assert targets.choose_platforms((), spec, project, repo) == ("linux-64",)
    assert targets.choose_platforms(("osx-arm64",), spec, project, repo) == ("osx-arm64",)
    assert targets.parse_platforms(["linux-64,osx-64", "osx-64"]) == ("linux-64", "osx-64")
    with pytest.raises(UsageError):
        targets.parse_platforms(["linux"])
    with pytest.raises(UsageError, match="unknown platform `linux-foo`"):
        targets.parse_platforms(["linux-foo"])  # once a py-rattler crash (exit 3)
    assert targets.channel_priority(None, config.RepoConfig()) == "disabled"
    assert (
        targets.channel_priority("flexible", config.RepoConfig(channel_priority="strict"))
        == "flexible"
    )


def test_selectors_apply_per_os(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "python", "sel(osx): appnope", "sel(linux): libnsl", "sel(unix): bash")
    on = {
        p: [d.name for d in spec.dependencies if envspec.applies(d, p)]
        for p in ("linux-64", "osx-arm64")
    }
    assert on == {
        "linux-64": ["python", "libnsl", "bash"],
        "osx-arm64": ["python", "appnope", "bash"],
    }


def test_analysis_rules(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "python=3.11", "sel(osx): appnope", "tabulate", "rich=13")
    linux = {
        "python": pkg("python", "3.11.7"),
        "tabulate": pkg("tabulate", "0.9.0"),
        "six": pkg("six", "1.16"),
        "rich": pkg("rich", "13.1"),
    }
    mac = {
        "python": pkg("python", "3.11.7", subdir="osx-arm64"),
        "tabulate": pkg("tabulate", "0.9.0", subdir="osx-arm64"),
        "six": pkg("six", "1.15", subdir="osx-arm64"),
        "appnope": pkg("appnope", subdir="osx-arm64"),
    }
    from devkit.conda.culprits import Culprit

    drift = analyse(
        Observation(
            packages={"linux-64": linux, "osx-arm64": mac},
            direct=spec.dependencies,
            culprits={"osx-arm64": (Culprit("rich=13", "no osx-arm64 build"),)},
        )
    )
    # six differs but nobody asked for it; appnope is mac-only on purpose (a selector);
    # rich is missing on the Mac because it cannot be solved there: reported once.
    assert [(v.name, v.direct) for v in drift.version_drift] == [("six", False)]
    assert [(p.name, p.expected) for p in drift.platform_only] == [("appnope", True)]
    assert [u.spec for u in drift.unsolvable] == ["rich=13"]
    assert [s.name for s in drift.loose_specs] == ["appnope", "tabulate"]
    assert drift.has_drift  # because of the unsolvable spec only
    assert not analyse(
        Observation(
            packages={"linux-64": linux, "osx-arm64": {**mac, "rich": pkg("rich", "13.1")}},
            direct=spec.dependencies,
        )
    ).has_drift
    # Without the file's specs, every difference counts.
    unknown = analyse(Observation(packages={"a": linux, "b": mac}, direct=None))
    assert [(v.name, v.direct) for v in unknown.version_drift] == [("six", True)]


def test_per_os_pins_are_intended_and_foreign_loose_specs_are_not_listed(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path, "sel(linux): numpy=1.21.5", "sel(osx): numpy=1.21.6", "sel(win): pywin32"
    )
    linux = {"numpy": pkg("numpy", "1.21.5")}
    mac = {"numpy": pkg("numpy", "1.21.6", subdir="osx-arm64")}
    drift = analyse(
        Observation(packages={"linux-64": linux, "osx-arm64": mac}, direct=spec.dependencies)
    )
    [numpy] = drift.version_drift
    assert numpy.direct and numpy.intended  # listed, as asked for
    assert not drift.has_drift
    assert drift.loose_specs == ()  # pywin32 is for Windows only: nothing drifts here


def test_labels_of_two_exports_always_differ(tmp_path: Path) -> None:
    from devkit.drift.snapshot import Snapshot, labels

    def snap(path: Path, platform: str = "linux-64") -> Snapshot:
        return Snapshot(path, "api", platform, {}, {}, None)

    mac, ci = tmp_path / "mac" / "api.json", tmp_path / "ci" / "api.json"
    assert labels(snap(mac, "osx-arm64"), snap(ci)) == ("osx-arm64", "linux-64")
    first, second = labels(snap(mac), snap(ci))  # artifacts downloaded side by side
    assert first != second and "mac" in first and "ci" in second
    assert len(set(labels(snap(mac), snap(mac)))) == 2


def test_lock_matching_is_spec_by_spec(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, "conda-forge::numpy>=1.21", "sel(osx): libcxx", "python=3.11")
    locked = {
        "numpy": pkg("numpy", "1.21.5"),
        "python": pkg("python", "3.11.7"),
    }
    lock = lockfile.Lock(
        path=tmp_path / "conda-lock.yml",
        platforms=("linux-64", "osx-64"),
        channels=("https://conda.anaconda.org/conda-forge",),
        sources=("environment.yml",),
        content_hash={},
        source_sha256=spec.fingerprint,
        packages={"linux-64": locked, "osx-64": {"numpy": pkg("numpy", "1.20.0", subdir="osx-64")}},
    )
    assert lockfile.unsatisfied(lock, spec, "linux-64") == []
    assert lockfile.unsatisfied(lock, spec, "osx-64") == [
        "conda-forge::numpy>=1.21 (locked 1.20.0 h0_0)",
        "libcxx is not locked",
        "python=3.11 is not locked",
    ]


def test_package_file_names() -> None:
    assert parse_file_name("python-3.9.7-hf930737_3_cpython.tar.bz2") == (
        "python",
        "3.9.7",
        "hf930737_3_cpython",
    )
    assert parse_file_name("ca-certificates-2024.2.2-hbcca054_0.conda")[0] == "ca-certificates"


@pytest.mark.parametrize(
    ("recorded", "name"),
    [
        ("conda-forge", "conda-forge"),
        ("https://conda.anaconda.org/conda-forge/", "conda-forge"),
        ("https://conda.anaconda.org/conda-forge/osx-arm64", "conda-forge"),
        ("https://conda.anaconda.org/conda-forge/noarch", "conda-forge"),
        ("file:///srv/channels/internal/linux-64/", "internal"),
        ("https://repo.anaconda.com/pkgs/main/linux-64", "main"),
        ("noarch", "noarch"),  # a channel named like a subdir keeps its name
    ],
)
def test_channel_short_names_drop_the_subdir(recorded: str, name: str) -> None:
    assert channels.short_name(recorded) == name


REAL_LOCK = Path(__file__).parent / "data" / "conda-lock-2022-excerpt.yml"
MUTEX_URL = "https://conda.anaconda.org/conda-forge/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2"
MUTEX_MD5 = "    md5: d7c89558ba9fa0495403155b64376d81\n"


def broken_lock(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The real conda-lock excerpt with its first ``old`` replaced; the first changed line."""
    good = REAL_LOCK.read_text()
    assert old in good, old
    text = good.replace(old, new, 1)
    path = tmp_path / "conda-lock.yml"
    path.write_text(text)
    changed = next(
        i
        for i, (a, b) in enumerate(zip(good.splitlines(), text.splitlines(), strict=False))
        if a != b
    )
    return path, changed + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  content_hash:\n", "  content_hash: 5\n  unused:\n", "metadata.content_hash must be a"),
        ("  sources:\n", "  sources: 5\n  unused:\n", "metadata.sources must be a list"),
        ("  - environment.yml\n", "  - [environment.yml]\n", "metadata.sources[0] must be a"),
        (
            "  platforms:\n",
            "  platforms: linux-64\n  unused:\n",
            "metadata.platforms must be a list",
        ),
        ("  - osx-arm64\n", "  - win-99\n", "'win-99' is not a platform"),
        ("  channels:\n  - conda-forge\n", "  channels: 5\n", "metadata.channels must be a list"),
        ("  - conda-forge\n", "  - [conda-forge]\n", "metadata.channels[0] must be a channel"),
        ("package:\n", "package:\n- just a string\n", "package entry must be a mapping"),
        ("  manager: conda\n", "  manager: [conda]\n", "`manager` must be conda or pip"),
        ("  name: _libgcc_mutex\n", "  name: lib gcc\n", "is not a valid package name"),
        ("  version: '0.1'\n", "  version: 0.1\n", "`version` must be a string, not a number"),
        ("  version: '0.1'\n", "  version: 1.2.3 garbage\n", "malformed version string"),
        ("  platform: linux-64\n", "  platform: win-99\n", "'win-99' is not a platform"),
        (f"  url: {MUTEX_URL}\n", "  url: https://example.com/mutex\n", "not a conda package URL"),
        (f"  url: {MUTEX_URL}\n", "  url: https://x.org/c/linux-64/m.conda\n", "not a conda pack"),
        (f"  url: {MUTEX_URL}\n", "  url: 5\n", "`url` must be a string, not a number"),
        ("  optional: false\n", "  build: a b\n  optional: false\n", "build 'a b'"),
        ("  dependencies: {}\n", "  dependencies: [a]\n", "dependencies must be a mapping"),
        ("    python_abi: 3.9.* *_cp39\n", "    python_abi: [3]\n", "dependencies.python_abi"),
        (f"  hash:\n{MUTEX_MD5}", "  hash: 5\n", "hash must be a mapping, not a number"),
        (MUTEX_MD5, "    md5: 5\n", "hash.md5 must be a string"),
    ],
)
def test_a_malformed_lock_is_a_file_format_error_at_its_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path, line = broken_lock(tmp_path, old, new)
    with pytest.raises(FileFormatError) as caught:
        lockfile.read(path)
    assert caught.value.line == line, caught.value.message
    assert caught.value.message.startswith(f"{path}:{line}: "), caught.value.message
    assert message in caught.value.message
    assert caught.value.hint is not None and "devkit lock" in caught.value.hint


def test_a_lock_without_optional_metadata_still_reads(tmp_path: Path) -> None:
    # conda-lock's `{}` dependencies, no `build` keys, channels as names: all fine.
    assert lockfile.read(REAL_LOCK).packages["osx-arm64"]["appnope"].build == "py39h2804cbe_2"
    path, _ = broken_lock(tmp_path, "  channels:\n  - conda-forge\n", "")
    assert lockfile.read(path).channels == ()


def test_a_lock_bigger_than_other_yaml_files_still_reads(tmp_path: Path) -> None:
    # Locks of big envs on several platforms run to megabytes; the YAML limit of other files
    # (1 MiB) is not theirs.
    path = tmp_path / "conda-lock.yml"
    path.write_text(REAL_LOCK.read_text() + "# padding\n" * 150_000)
    assert path.stat().st_size > 1024 * 1024
    assert lockfile.read(path).packages["osx-arm64"]["appnope"].build == "py39h2804cbe_2"


def test_a_deeply_nested_lock_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    path.write_text("version: 1\nmetadata: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(FileFormatError) as caught:
        lockfile.read(path)
    assert caught.value.line == 2 and "nested more than 64 levels" in caught.value.message


def test_a_package_missing_only_because_its_parent_was_dropped_is_a_consequence(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from devkit.conda.culprits import Culprit

    spec = spec_of(tmp_path, "python=3.11", "pandas=1.5", "rich")

    def with_deps(package: Package, *depends: str) -> Package:
        return replace(package, depends=depends)

    linux = {
        "python": pkg("python", "3.11.7"),
        "pandas": with_deps(pkg("pandas", "1.5.0"), "numpy >=1.21", "python >=3.11,<3.12"),
        "numpy": with_deps(pkg("numpy", "1.21.5"), "python"),
        "rich": with_deps(pkg("rich", "13.1"), "pygments >=2"),
        "pygments": pkg("pygments", "2.15"),
        "tzdata": pkg("tzdata", "2024a"),
    }
    mac = {  # pandas=1.5 has no osx-arm64 build: dropped, numpy goes with it
        "python": pkg("python", "3.11.7", subdir="osx-arm64"),
        "rich": with_deps(pkg("rich", "13.1", subdir="osx-arm64"), "pygments >=2"),
        "pygments": pkg("pygments", "2.14", subdir="osx-arm64"),
    }
    drift = analyse(
        Observation(
            packages={"linux-64": linux, "osx-arm64": mac},
            direct=spec.dependencies,
            culprits={"osx-arm64": (Culprit("pandas=1.5", "no osx-arm64 build"),)},
        )
    )
    only = {p.name: p for p in drift.platform_only}
    assert only["numpy"].because_of == {"osx-arm64": ("pandas=1.5",)}
    assert only["numpy"].consequence
    # tzdata is missing for no dropped spec's sake: still what it was (expected here).
    assert only["tzdata"].because_of == {} and not only["tzdata"].consequence
    assert [p.name for p in drift.surprising_platform_only] == []
    [pygments] = drift.version_drift
    assert pygments.name == "pygments" and not pygments.direct
    assert pygments.required_by == ("rich",)
