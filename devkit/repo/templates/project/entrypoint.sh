#!/bin/bash

if [[ -z "${PORT}" ]]; then
  PORT="{{ port }}"
else
  PORT="${PORT}"
fi

# exec: uvicorn replaces bash as the container's PID 1, so it gets Cloud Run's SIGTERM and
# shuts down cleanly instead of being killed ten seconds later.
source /venv/bin/activate && exec uvicorn main:app --host "0.0.0.0" --port ${PORT} --workers 1
