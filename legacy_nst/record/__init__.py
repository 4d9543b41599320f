"""What a run leaves: the run that writes its files (files), its record (run_record), checkpoints and resume,
figures, and stop requests."""
