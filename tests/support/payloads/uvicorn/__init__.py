"""uvicorn stand-in: `uvicorn.run` and the `uvicorn` command (see `uvicorn.main`)."""

from __future__ import annotations

from .main import main, run

__version__ = "0.17.6"
__all__ = ["main", "run"]
