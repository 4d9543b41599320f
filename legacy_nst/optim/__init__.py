"""Optimizers on flat arrays: the float32 L-BFGS (lbfgs_float32)."""
