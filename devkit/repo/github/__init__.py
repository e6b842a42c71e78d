"""GitHub Actions workflows: one reader, and what they say about a project."""
