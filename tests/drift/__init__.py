"""Tests of devkit drift, devkit lock and the doctor drift checks."""
