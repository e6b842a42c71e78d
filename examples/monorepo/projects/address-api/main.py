import os
import uuid

from dotenv import load_dotenv
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel  # pylint: disable=no-name-in-module  # compiled pydantic

from pkg import storage
from pkg.address import normalize_address

load_dotenv()

app = FastAPI(title="address-api")


class NormalizeRequest(BaseModel):
    addresses: list[str]


class NormalizeResponse(BaseModel):
    count: int
    uri: str


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/addresses/normalize", response_model=NormalizeResponse)
def normalize(request: NormalizeRequest) -> NormalizeResponse:
    bucket = os.environ.get("BUCKET_NAME")
    if not bucket:
        raise HTTPException(status_code=503, detail="BUCKET_NAME is not set")
    rows = [
        {"input": raw, "normalized": normalize_address(raw)}
        for raw in request.addresses
    ]
    uri = storage.results_uri(storage.bucket_root(bucket), uuid.uuid4().hex)
    count = storage.write_jsonl(uri, rows)
    return NormalizeResponse(count=count, uri=uri)
