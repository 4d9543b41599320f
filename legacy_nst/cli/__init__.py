"""The command line: `legacy-nst` (cli.transfer), `weights` (cli.weights), `compare` (cli.compare), `sweep`
(cli.sweep); argument parsing and what the console shows (cli.progress), nothing else."""
