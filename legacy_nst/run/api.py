"""The Python API: `stylize(content, style, **options)` returns the image and its loss history, writing
nothing (the run that writes files is record.files.run_to_files).

    result = stylize("content.jpg", "style.jpg", iterations=500, width=400)
    result = stylize("content.jpg", style_fine="a.jpg", style_coarse="b.jpg")   # scale control (run.scale)
"""
import sys
from contextlib import closing
from typing import Optional

from ..config import Config
from ..optim.loop import Step
from .levels import Finished, Note, Result, run_levels
from .prepare import load_network, prepare
from .scale import check_style_sources, scale_style


def stylize(content, style=None, config: Optional[Config] = None, *, vgg=None, observe=None, on_tile=None,
            **options) -> Result:
    """Stylise `content` (path or uint8 RGB array) with `style` (one, or a list to blend), as art.py does.

    Options are Config fields (e.g. iterations=100, optimizer='lbfgs',
    preset='gatys'); `vgg` reuses already loaded weights; `observe(iteration,
    losses, image)` sees every iteration (image: float32 network space). A size
    whose memory estimate exceeds --memory-limit (default: what is available)
    is refused before the graph is built; the plan's precision note, if any,
    goes to stderr. A level the plan tiles runs on the tiled engine, which
    calls `on_tile(pass, done, total)`. With style_fine=A and style_coarse=B instead of `style`, the style is
    first made from the two paintings (run.scale.scale_style, which returns that image alone).
    """
    config = (config or Config()).replace(**options) if options else (config or Config())
    check_style_sources(style, config)
    if config.style_fine is not None:
        vgg = load_network(config, vgg)
        style = scale_style(config, vgg)
    prepared = prepare(content, style, config, vgg=vgg)
    if prepared.plan.note:
        print(f"legacy-nst: note: {prepared.plan.note}", file=sys.stderr, flush=True)
    result = None
    with closing(run_levels(prepared, on_tile=on_tile)) as events:
        for event in events:
            if isinstance(event, Step) and observe is not None:
                observe(event.iteration, event.losses, event.image)
            elif isinstance(event, Note):
                print(f"legacy-nst: note: {event.text}", file=sys.stderr, flush=True)
            elif isinstance(event, Finished):
                result = event.result
    return result
