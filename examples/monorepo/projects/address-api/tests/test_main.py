import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import main
from pkg import storage
from pkg.address import normalize_address

CLIENT = TestClient(main.app)


def test_health() -> None:
    response = CLIENT.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "123  main st., springfield ,il 62704",
            "123 Main Street, Springfield, IL 62704",
        ),
        ("  40 ocean blvd  ", "40 Ocean Boulevard"),
        ("7b elm ln, portland, or", "7B Elm Lane, Portland, OR"),
    ],
)
def test_normalize_address(raw: str, expected: str) -> None:
    assert normalize_address(raw) == expected


def test_write_jsonl_round_trips(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    rows = [{"input": "1 a st", "normalized": "1 A Street"}]
    assert storage.write_jsonl(str(target), rows) == 1
    assert [json.loads(line) for line in target.read_text().splitlines()] == rows


def test_normalize_requires_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUCKET_NAME", raising=False)
    response = CLIENT.post("/addresses/normalize", json={"addresses": ["1 a st"]})
    assert response.status_code == 503


def test_normalize_writes_results(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BUCKET_NAME", "acme-test")
    # Write to a local folder instead of gs://acme-test so the test needs no credentials.
    monkeypatch.setattr(storage, "bucket_root", lambda bucket: str(tmp_path / bucket))
    (tmp_path / "acme-test" / "addresses" / "normalized").mkdir(parents=True)

    response = CLIENT.post(
        "/addresses/normalize", json={"addresses": ["9 high st, leeds"]}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    written = Path(body["uri"]).read_text().splitlines()
    assert json.loads(written[0])["normalized"] == "9 High Street, Leeds"
