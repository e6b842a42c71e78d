"""The one rc reader: micromamba's search list and order, condarc.d, ${VAR}, the keys it knows."""

from __future__ import annotations

from pathlib import Path

from devkit.conda import channels, condarc


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_search_list_in_micromamba_order(tmp_path: Path) -> None:
    home, root, prefix = tmp_path / "home", tmp_path / "root", tmp_path / "envs" / "api"
    xdg = tmp_path / "xdg"
    env = {"XDG_CONFIG_HOME": str(xdg), "CONDARC": str(tmp_path / "team.yml")}
    env["MAMBARC"] = str(tmp_path / "mine.yaml")
    expected = [
        _write(root / ".condarc", "a: 1\n"),
        _write(root / "condarc.d" / "10-first.yml", "a: 1\n"),
        _write(root / "condarc.d" / "20-second.yaml", "a: 1\n"),
        _write(root / ".mambarc", "a: 1\n"),
        _write(xdg / "conda" / "condarc", "a: 1\n"),
        _write(home / ".conda" / ".condarc", "a: 1\n"),
        _write(home / ".condarc", "a: 1\n"),
        _write(tmp_path / "team.yml", "a: 1\n"),
        _write(xdg / "mamba" / ".mambarc", "a: 1\n"),
        _write(home / ".mambarc", "a: 1\n"),
        _write(tmp_path / "mine.yaml", "a: 1\n"),
        _write(prefix / ".condarc", "a: 1\n"),
    ]
    _write(root / "condarc.d" / "notes.txt", "not a config file\n")
    files, ignored = condarc.rc_files(root, env, home, prefix)
    assert files == expected
    assert ignored == []
    search = condarc.search_path(root, env, home, prefix)
    assert search[:8] == [
        Path("/etc/conda/.condarc"),
        Path("/etc/conda/condarc"),
        Path("/etc/conda/condarc.d"),
        Path("/etc/conda/.mambarc"),
        Path("/var/lib/conda/.condarc"),
        Path("/var/lib/conda/condarc"),
        Path("/var/lib/conda/condarc.d"),
        Path("/var/lib/conda/.mambarc"),
    ]
    assert search[-1] == prefix / ".mambarc"


def test_the_highest_file_wins_and_lists_join_highest_first(tmp_path: Path) -> None:
    home, root, prefix = tmp_path / "home", tmp_path / "root", tmp_path / "prefix"
    _write(root / ".condarc", "channel_alias: https://root\nchannels: [root]\n")
    _write(home / ".condarc", "channel_alias: https://home\nchannels: [home, root]\n")
    _write(prefix / ".mambarc", "channel_alias: https://prefix\n")
    rc = condarc.load(root, {}, home, prefix)
    assert rc.channel_alias == "https://prefix"
    assert rc.origins["channel_alias"] == prefix / ".mambarc"
    assert rc.channels == ("home", "root")
    assert condarc.load(root, {}, home).channel_alias == "https://home"


def test_variables_are_expanded_in_values(tmp_path: Path) -> None:
    rc_file = _write(
        tmp_path / ".condarc",
        "channel_alias: ${MIRROR}/conda\n"
        # In a flow list, as micromamba expands before parsing.
        "channels: [${TEAM_CHANNEL}]\n"
        "default_channels: ['${UNSET_ONE}/main']\n"
        "proxy_servers: {https: 'http://${PROXY_USER}:pa$$word@proxy:3128'}\n",
    )
    env = {"MIRROR": "https://mirror.corp", "TEAM_CHANNEL": "team", "PROXY_USER": "ann"}
    rc = condarc.read([rc_file], env)
    assert rc.channel_alias == "https://mirror.corp/conda"
    assert rc.channels == ("team",)
    assert rc.default_channels == ("${UNSET_ONE}/main",)  # unset: left as written
    assert rc.proxy_servers == {"https": "http://ann:pa$word@proxy:3128"}


def test_files_micromamba_skips_are_reported(tmp_path: Path) -> None:
    home = tmp_path / "home"
    odd = _write(tmp_path / "my-settings", "channels: [x]\n")
    _write(home / ".condarc", "channels: [oops\n")
    rc = condarc.load(tmp_path / "root", {"CONDARC": str(odd)}, home)
    assert rc.files == ()
    assert any("my-settings is not read" in p for p in rc.problems)
    assert any(".condarc" in p and "micromamba skips it too" in p for p in rc.problems)


def test_multichannels_and_mirrored_channels_resolve(tmp_path: Path) -> None:
    rc_file = _write(
        tmp_path / ".condarc",
        "custom_multichannels: {team: [conda-forge, https://pkgs.corp/team]}\n"
        "mirrored_channels:\n"
        "  conda-forge: [https://mirror.corp/conda-forge, https://backup.corp/conda-forge]\n",
    )
    rc = condarc.read([rc_file], {})
    resolved = channels.resolve(["team"], rc, {})
    assert [(c.name, c.url, c.fetch_url) for c in resolved] == [
        (
            "conda-forge",
            "https://conda.anaconda.org/conda-forge",
            "https://mirror.corp/conda-forge",
        ),
        ("https://pkgs.corp/team", "https://pkgs.corp/team", "https://pkgs.corp/team"),
    ]
    # devkit.yaml's mirrors are the team's choice: they win over the rc's.
    mine = {"https://conda.anaconda.org/conda-forge": "https://devkit.corp/cf"}
    assert channels.resolve(["conda-forge"], rc, mine)[0].fetch_url == "https://devkit.corp/cf"
    assert any("only the first mirror" in u for u in rc.unhonoured())


def test_settings_devkit_cannot_honour_are_named(tmp_path: Path) -> None:
    rc_file = _write(
        tmp_path / ".condarc",
        "client_cert: /etc/me.pem\nssl_verify: /etc/ca.pem\nproxy_servers:\n"
        "  https: http://proxy:3128\n  http://internal: http://other:3128\n",
    )
    rc = condarc.read([rc_file], {})
    unhonoured = rc.unhonoured()
    assert any(u.startswith("`client_cert`") and str(rc_file) in u for u in unhonoured)
    assert any("http://internal" in u for u in unhonoured)
    assert not any("ssl_verify" in u for u in unhonoured)  # a file: honoured
    assert rc.ssl_verify == "/etc/ca.pem"
    assert (
        condarc.read([_write(tmp_path / "off.yml", "ssl_verify: false\n")], {}).ssl_verify is False
    )
