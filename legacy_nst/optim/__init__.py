"""Minimising over the image: the first-order loop and the L-BFGS driver, over any engine."""
