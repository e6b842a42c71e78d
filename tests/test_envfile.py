""".env loading: python-dotenv semantics, bad lines with file and line, secrets registered."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit import redaction
from devkit.errors import FileFormatError
from devkit.repo import dotenv_file


@pytest.fixture(autouse=True)
def _fresh_secrets() -> None:
    redaction.forget_all()


def test_later_files_win_and_sources_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "root.env"
    root.write_text("SHARED=root\nBUCKET_NAME=root-bucket\n")
    project = tmp_path / "project.env"
    project.write_text('export BUCKET_NAME="project bucket"\nURL=${BUCKET_NAME}/x\nBARE\n')
    loaded = dotenv_file.load([root, project, tmp_path / "missing.env"])
    assert loaded.values == {
        "SHARED": "root",
        "BUCKET_NAME": "project bucket",
        "URL": "project bucket/x",
    }
    assert loaded.sources["SHARED"] == root
    assert loaded.sources["BUCKET_NAME"] == project
    assert loaded.files == (root, project)


def test_bad_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\nthis is not a binding\nB=2\n")
    loaded = dotenv_file.load([path])
    assert loaded.values == {"A": "1", "B": "2"}
    assert [str(b) for b in loaded.bad_lines] == [f"{path}:2: not a KEY=value line (skipped)"]


def test_strict_makes_a_bad_line_fatal(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n\nnope nope\n")
    with pytest.raises(FileFormatError) as info:
        dotenv_file.load([path], strict=True)
    assert info.value.line == 3


def test_values_become_secrets(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("AIRTABLE_TOKEN=patXYZ123456\nREGION=us-central1\n")
    dotenv_file.load([path])
    assert redaction.redact("token patXYZ123456 in us-central1") == "token **** in ****"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("AIRTABLE_TOKEN", True),
        ("GMAPS_API_KEY", True),
        ("client_secret", True),
        ("DB_PASSWORD", True),
        ("BUCKET_NAME", False),
        ("PORT", False),
    ],
)
def test_secret_looking_names(name: str, secret: bool) -> None:
    assert dotenv_file.looks_secret(name) is secret
    assert (dotenv_file.masked(name, "value", from_file=False) == redaction.MASK) is secret
    # From a .env file: a short value is masked only for its name; a long one always is.
    assert (dotenv_file.masked(name, "value", from_file=True) == redaction.MASK) is secret
    assert dotenv_file.masked(name, "value-long", from_file=True) == redaction.MASK
    assert dotenv_file.masked(name, "12345678", from_file=True) == (
        "****" if secret else "12345678"
    )


def test_example_keys_are_names_only(tmp_path: Path) -> None:
    path = tmp_path / ".env.example"
    path.write_text("# keys production sets\nPROJECT_ID=changeme\nAIRTABLE_TOKEN=\n")
    assert dotenv_file.keys_in(path, inside=tmp_path) == ["PROJECT_ID", "AIRTABLE_TOKEN"]
    assert dotenv_file.keys_in(tmp_path / "none", inside=tmp_path) == []


def test_short_values_are_not_masked_everywhere() -> None:
    redaction.register("1", "abc", "s3cr3t-value")
    assert redaction.redact("1 abc s3cr3t-value") == "1 abc ****"


def test_credentials_in_urls_and_token_shapes_are_always_masked() -> None:
    text = (
        "cloning https://ana:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/mono.git "
        "from postgres://api:hunter2@db/api with xoxb-1234567890-abcdefghij"
    )
    masked = redaction.redact(text)
    assert "ghp_" not in masked and "hunter2" not in masked and "xoxb-" not in masked
    assert "https://****@github.com/acme/mono.git" in masked


def test_short_plain_values_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("LOG_LEVEL=debug\nPORT=9123\nDB_PASSWORD=hunter2\nREGION=europe-west1\n")
    dotenv_file.load([path])
    text = "debug: port 9123, hunter2, europe-west1"
    assert redaction.redact(text) == "debug: port 9123, ****, ****"


def test_a_nul_byte_in_a_value_is_a_bad_line_and_never_a_crash(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"A=1\nSECRET_TOKEN=hunter2\x00-rest\nB=2\nK\x00EY=v\nC=${SECRET_TOKEN}\n")
    loaded = dotenv_file.load([path])
    assert loaded.values == {"A": "1", "B": "2"}
    assert [str(b) for b in loaded.bad_lines] == [
        f"{path}:{line}: a NUL byte in the name or value (skipped)" for line in (2, 4, 5)
    ]
    with pytest.raises(FileFormatError) as info:
        dotenv_file.load([path], strict=True)
    assert info.value.line == 2 and "hunter2" not in info.value.message


@pytest.mark.parametrize("kind", ["directory", "dangling symlink", "binary"])
def test_unreadable_env_files_are_errors_naming_the_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / ".env"
    if kind == "directory":
        path.mkdir()
        expected = "is a directory"
    elif kind == "dangling symlink":
        path.symlink_to(tmp_path / "gone.env")
        expected = "a symlink to"
    else:
        path.write_bytes(b"\xff\xfe\x00A")
        expected = "not UTF-8 text"
    for read in (
        lambda: dotenv_file.load([path]),
        lambda: dotenv_file.keys_in(path, inside=tmp_path),
    ):
        with pytest.raises(FileFormatError) as info:
            read()
        assert info.value.message.startswith(f"{path}: ") and expected in info.value.message


def test_a_pipe_is_read(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "secrets.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text("FROM_PIPE=yes\n"), daemon=True)
    writer.start()
    assert dotenv_file.load([fifo]).values == {"FROM_PIPE": "yes"}
    writer.join(timeout=10)
    assert not writer.is_alive()


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n" + "# padding\n" * 110_000)
    for read in (
        lambda: dotenv_file.load([path]),
        lambda: dotenv_file.keys_in(path, inside=tmp_path),
    ):
        with pytest.raises(FileFormatError) as info:
            read()
        assert info.value.message.startswith(f"{path}: larger than 1 MiB")


def test_too_many_variables_are_refused_at_the_first_one_over(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# comment\n" + "".join(f"V{i}=x\n" for i in range(10_001)))
    with pytest.raises(FileFormatError) as info:
        dotenv_file.load([path])
    assert info.value.line == 10_002 and "more than 10,000 variables" in info.value.message


def test_values_that_expand_past_what_a_process_can_receive_are_refused(tmp_path: Path) -> None:
    # Each line doubles the one before through ${…}: python-dotenv would build every value.
    lines = ["A0=" + "x" * 64] + [f"A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 13)]
    path = tmp_path / ".env"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError) as info:
        dotenv_file.load([path])
    # 64 * 2**12 = 256 KiB on line 13: over Linux's 128 KiB for one variable.
    assert info.value.line == 13 and "`A12` expands to 262,144 characters" in info.value.message
    assert "x" * 64 not in info.value.message


def test_many_modest_values_over_the_total_are_refused(tmp_path: Path) -> None:
    value = "y" * 100_000
    lines = [f"BIG=${{SEED}}{value[:10]}", f"SEED={value}"]
    lines += [f"V{i}=${{SEED}}" for i in range(11)]
    path = tmp_path / ".env"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FileFormatError) as info:
        dotenv_file.load([path])
    assert "1 MiB" in info.value.message and info.value.line is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "replace-me",
        "REPLACE_ME",
        "changeme",
        "change-me",
        "xxx",
        "XXXXXXXX",
        "<your api key>",
        "<GCLOUD-PROJECT-NAME>",
        "TODO",
        "todo: ask ops",
        "your-bucket-name",
        "YOUR_API_KEY",
        "'replace-me'",
    ],
)
def test_placeholders(value: str) -> None:
    assert dotenv_file.is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "info",
        "postgres://localhost:5432/api",
        "8080",
        "acme-data-prod",
        "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "xx",
        "yours-truly",
        "a<b>c",
        "todolist-service",
    ],
)
def test_real_values_are_not_placeholders(value: str) -> None:
    assert not dotenv_file.is_placeholder(value)


def test_the_examples_placeholders_are_the_unset_values(tmp_path: Path) -> None:
    example = tmp_path / ".env.example"
    example.write_text(
        "# what production sets\nAPI_KEY=replace-me\nexport DB_URL='<postgres url>'\n"
        "LOG_LEVEL=info\nEMPTY=\nURL=${LOG_LEVEL}/x\n"
    )
    assert dotenv_file.placeholders_in(example, inside=tmp_path) == {
        "API_KEY": "replace-me",
        "DB_URL": "<postgres url>",
        "EMPTY": "",
    }
    assert dotenv_file.placeholders_in(tmp_path / "none", inside=tmp_path) == {}
    placeholders = dotenv_file.placeholders_in(example, inside=tmp_path)
    assert dotenv_file.still_placeholder("API_KEY", "replace-me", placeholders)
    assert not dotenv_file.still_placeholder("API_KEY", "sk-real", placeholders)
    # Only the example's own placeholder: a value of its own the user wrote is theirs.
    assert not dotenv_file.still_placeholder("LOG_LEVEL", "info", placeholders)
    assert not dotenv_file.still_placeholder("OTHER", "changeme", placeholders)
