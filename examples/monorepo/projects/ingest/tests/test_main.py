import datetime
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import main
from pkg import pipeline

CLIENT = TestClient(main.app)

RAW_CSV = "Order ID,Customer Name,Total\n1,Ada,9.5\n1,Ada,9.5\n,,\n2,Grace,12\n"


def test_health() -> None:
    response = CLIENT.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_dated_uri() -> None:
    day = datetime.date(2022, 6, 1)
    uri = pipeline.dated_uri("gs://acme-data", "raw", "orders", day, "csv")
    assert uri == "gs://acme-data/raw/orders/2022-06-01.csv"


@pytest.mark.parametrize("source", ["orders", "crm_contacts"])
def test_valid_sources(source: str) -> None:
    assert pipeline.is_valid_source(source)


@pytest.mark.parametrize("source", ["", "Orders", "../secrets", "a b"])
def test_invalid_sources(source: str) -> None:
    assert not pipeline.is_valid_source(source)


def test_clean_normalises_headers_and_drops_junk_rows() -> None:
    frame = pd.DataFrame(
        {" Order ID": [1, 1, None], "Total": [9.5, 9.5, None]},
    )
    cleaned = pipeline.clean(frame)
    assert list(cleaned.columns) == ["order_id", "total"]
    assert len(cleaned) == 1


def test_ingest_requires_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUCKET_NAME", raising=False)
    assert CLIENT.post("/ingest/orders/2022-06-01").status_code == 503


def test_ingest_rejects_bad_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUCKET_NAME", "acme-test")
    assert CLIENT.post("/ingest/Bad-Name/2022-06-01").status_code == 422


def test_ingest_writes_parquet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BUCKET_NAME", "acme-test")
    # Read and write a local folder instead of gs://acme-test so the test needs no credentials.
    monkeypatch.setattr(pipeline, "bucket_root", lambda bucket: str(tmp_path / bucket))
    raw = tmp_path / "acme-test" / "raw" / "orders" / "2022-06-01.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text(RAW_CSV)
    (tmp_path / "acme-test" / "curated" / "orders").mkdir(parents=True)

    response = CLIENT.post("/ingest/orders/2022-06-01")

    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == 2
    curated = pd.read_parquet(body["uri"])
    assert list(curated.columns) == ["order_id", "customer_name", "total"]


def test_ingest_missing_file_is_404(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BUCKET_NAME", "acme-test")
    monkeypatch.setattr(pipeline, "bucket_root", lambda bucket: str(tmp_path / bucket))
    assert CLIENT.post("/ingest/orders/2022-06-01").status_code == 404
