#!/bin/bash

if [[ -z "${PORT}" ]]; then
  PORT="8080"
else
  PORT="${PORT}"
fi

source /venv/bin/activate && uvicorn main:app --host "0.0.0.0" --port ${PORT} --workers 1
