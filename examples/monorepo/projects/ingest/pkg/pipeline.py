"""Clean one day's raw CSV drop for a source and write it as parquet."""

import datetime
import re

import backoff
import pandas as pd

# Source names become path segments in the bucket, so keep them boring.
_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def is_valid_source(source: str) -> bool:
    return _SOURCE_NAME.match(source) is not None


def bucket_root(bucket: str) -> str:
    return f"gs://{bucket}"


def dated_uri(root: str, prefix: str, source: str, day: datetime.date, ext: str) -> str:
    return f"{root}/{prefix}/{source}/{day.isoformat()}.{ext}"


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Snake-case the headers, drop empty rows and exact duplicates."""
    renamed = frame.rename(
        columns=lambda name: str(name).strip().lower().replace(" ", "_")
    )
    return renamed.dropna(how="all").drop_duplicates().reset_index(drop=True)


# GCS reads fail transiently under load; a missing file is not worth retrying.
@backoff.on_exception(
    backoff.expo,
    OSError,
    max_tries=3,
    giveup=lambda exc: isinstance(exc, FileNotFoundError),
)
def read_csv(uri: str) -> pd.DataFrame:
    return pd.read_csv(uri)


def run(source_uri: str, target_uri: str) -> int:
    """Read, clean and write one file; return the number of rows written."""
    frame = clean(read_csv(source_uri))
    frame.to_parquet(target_uri, index=False)
    return len(frame)
