"""The command line: `legacy-nst` (cli.stylize), `weights` (cli.weights), `compare` (cli.compare), `sweep`
(cli.sweep); argument parsing and what the console shows (cli.progress), nothing else."""
