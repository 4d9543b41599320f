"""What a run leaves: its record (run_record), checkpoints and resume, figures, and stop requests."""
