"""Turn the raw CSV drops in the bucket into curated parquet files."""
