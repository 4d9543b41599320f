"""The loss: its terms and normalizations (terms), and the targets they compare with (targets)."""
