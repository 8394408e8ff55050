"""Benchmarks: the pipeline measured stage by stage at a chosen demo-org scale (make bench SCALE=N)."""
