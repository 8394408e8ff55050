"""Sensors: every one ships stopped; the README says when to turn each on."""

from __future__ import annotations

from orchestration.defs.reverse_etl.sensors import write_back_after_quality_gate

all_sensors = [write_back_after_quality_gate]
