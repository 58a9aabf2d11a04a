"""Throughput benchmark of the sampling core against plain-numpy and squigglepy baselines."""
