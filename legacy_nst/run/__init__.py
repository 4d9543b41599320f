"""A run: stylize (problem -> engine -> loop -> Result), its levels (multiscale) and its memory plan."""
