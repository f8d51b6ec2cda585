"""Benchmarks that print figures: `python -m bench` runs them all, `python -m bench.<name>` one.

Each benchmark drives the real server (`python -m clarion serve` in a subprocess, production
settings with the real Argon2id cost) or the standard tools it is compared with, and prints
one line per figure with its unit and its goal. Nothing here asserts on timing: figures vary
with the machine, and a benchmark that fails a build on a slow runner teaches nobody anything.
"""
