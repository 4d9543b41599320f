"""The command line: `legacy-nst` (cli.stylize), `weights` (cli.weights), `compare` (cli.compare)."""
