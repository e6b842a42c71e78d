import datetime
import os

from dotenv import load_dotenv
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel  # pylint: disable=no-name-in-module  # compiled pydantic

from pkg import pipeline

load_dotenv()

app = FastAPI(title="ingest")


class IngestResult(BaseModel):
    source: str
    day: datetime.date
    rows: int
    uri: str


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/ingest/{source}/{day}", response_model=IngestResult)
def ingest(source: str, day: datetime.date) -> IngestResult:
    bucket = os.environ.get("BUCKET_NAME")
    if not bucket:
        raise HTTPException(status_code=503, detail="BUCKET_NAME is not set")
    if not pipeline.is_valid_source(source):
        raise HTTPException(status_code=422, detail=f"invalid source name: {source!r}")

    root = pipeline.bucket_root(bucket)
    raw_prefix = os.environ.get("RAW_PREFIX", "raw")
    curated_prefix = os.environ.get("CURATED_PREFIX", "curated")
    source_uri = pipeline.dated_uri(root, raw_prefix, source, day, "csv")
    target_uri = pipeline.dated_uri(root, curated_prefix, source, day, "parquet")
    try:
        rows = pipeline.run(source_uri, target_uri)
    except FileNotFoundError as exc:
        raise HTTPException(
            status_code=404, detail=f"no raw file at {source_uri}"
        ) from exc
    return IngestResult(source=source, day=day, rows=rows, uri=target_uri)
