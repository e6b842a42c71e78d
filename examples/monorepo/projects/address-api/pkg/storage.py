"""Write results to Cloud Storage (or any other fsspec URL)."""

import json
from collections.abc import Iterable, Mapping

import fsspec


def bucket_root(bucket: str) -> str:
    return f"gs://{bucket}"


def results_uri(root: str, batch_id: str) -> str:
    return f"{root}/addresses/normalized/{batch_id}.jsonl"


def write_jsonl(uri: str, rows: Iterable[Mapping[str, str]]) -> int:
    """Write one JSON object per line and return how many were written."""
    count = 0
    with fsspec.open(uri, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
            count += 1
    return count
