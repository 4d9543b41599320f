"""Sweeps: many runs of the main command from one TOML spec, on Ray (the command line is cli.sweep).

spec (the TOML format and its checks), jobs (one run as a Ray task), driver
(scheduling, signals, exit status), manifest (manifest.jsonl, summary.md) and
sheet (sheet.png). See docs/sweeps.md.
"""
