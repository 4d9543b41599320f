"""A run: `prepare` (inputs read, sized, every level planned, weights loaded, once), its `plan` (one decision
per level, on `memory`'s model), `levels` (the level loop as events; `multiscale`: how levels hand over),
`api` (the Python API, `stylize`), and `score` (a run's objective on any images)."""
