"""Scale control (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", section 6): the
fine scale of one painting with the coarse scale of another, in two stages.

Stage 1 (`mix_scales`) makes a new style image. It starts from --style-coarse B and minimises the style loss
alone with two regions that both cover the whole image (losses.guided, all-white masks, "region_layers"):
region 0 compares the image's Gram matrices on --fine-layers with --style-fine A's, region 1 on the other
--style-layers with B's. As in the paper, the content loss is left out (its weight is 0), so that B's own fine
texture is replaced by A's while B's shapes, which the start and the deep layers hold, stay. Each painting keeps
its aspect ratio at the working width (--style-scale 1); the new image has B's proportions at the run's working
size, and the run's optimizer, --iterations and levels; no TV term, no colour option, no checkpoints.
Stage 2 is the run as usual, with the new image as its only style: record.files writes it beside OUTPUT as
NAME.style.png (a resumed run continues stage 2 on that file), run.api.stylize passes it as an array.
"""
import gc
from contextlib import closing

from ..config import Config
from ..engines import check_supported
from ..errors import ConfigError
from ..io.colors import render
from ..io.images import as_rgb_image, read_input
from ..losses.layers import style_layers
from ..problem import as_style_list, build_problem, check_styles
from . import levels
from .multiscale import upsample
from .plan import make_plan

SOURCES = "give --style PATH, or --style-fine A --style-coarse B"


def check_style_sources(style, config):
    """The style comes from --style or from --style-fine/--style-coarse (Config checks that both are given), never
    both, except in a resumed run, whose --style is the saved NAME.style.png: else a one-line ConfigError."""
    given = style is not None and len(as_style_list(style)) > 0
    if config.style_fine is not None and given and not config.resume:
        raise ConfigError(f"--style and --style-fine/--style-coarse both name the style; {SOURCES}")
    if config.style_fine is None and not given:
        raise ConfigError(f"no style image given; {SOURCES}")


def scale_regions(config) -> dict:
    """problem.build_problem's `inputs` of stage 1: two whole-image regions, A's on --fine-layers and B's on the
    other style layers (losses.guided)."""
    names = [name for name, _ in style_layers(config)]
    fine = tuple(name for name in names if name in config.fine_layers)
    coarse = tuple(name for name in names if name not in config.fine_layers)
    return {"style_masks": (None, None), "region_layers": (fine, coarse)}


def stage_config(config) -> Config:
    """The run's Config as stage 1 takes it: content weight 0, start at B, each painting at the working width with
    its aspect ratio; what belongs to the output alone (TV, colours, masks, averaging, checkpoints, figures) off:
    the run's --style-mask and --color-control apply to stage 2, on the new style."""
    return config.replace(beta=0.0, init="content", style_blend_weights=None, style_scale=(1.0,), tv_weight=0.0,
                          temporal_weight=None, preserve_colors=False, keep_alpha=False, average_iterates=None,
                          checkpoint_every=0, resume=None, overwrite=False, plot=None, strip=None, style_fine=None,
                          style_coarse=None, style_mask=None, style_region_mask=None, color_control=None)


def mix_scales(config, vgg, fine_rgb, coarse_rgb, on_step=None):
    """Stage 1: the new style image (uint8 RGB, B's proportions at the run's working size) from the fine painting
    A and the coarse painting B (uint8 RGB arrays); `on_step(step)` sees each optim.loop.Step."""
    stage = stage_config(config)
    size = stage.working_size(coarse_rgb.shape[:2])
    check_styles(stage, [fine_rgb, coarse_rgb], size)
    check_supported(stage)
    image, inputs = None, scale_regions(config)
    for level in make_plan(stage, size).levels:
        start = image if image is None or image.shape[1:3] == level.size else upsample(image, level.size)
        problem = build_problem(stage, coarse_rgb, [fine_rgb, coarse_rgb], vgg.mean_pixel, level.size, start,
                                inputs=inputs)
        with closing(levels.solve(problem, level, vgg, stage)) as events:
            for event in events:
                if isinstance(event, levels.Solved):
                    image = event.image
                elif on_step is not None:
                    on_step(event)
        event = problem = None
        gc.collect()  # the level's graph and session sit in reference cycles: free them before the next
    return render(stage, image, vgg.mean_pixel, coarse_rgb)


def scale_style(config, vgg, on_step=None):
    """Stage 1 on the files --style-fine and --style-coarse name (see mix_scales)."""
    fine, coarse = (as_rgb_image(read_input(path).pixels, option) for path, option in
                    ((config.style_fine, "--style-fine"), (config.style_coarse, "--style-coarse")))
    return mix_scales(config, vgg, fine, coarse, on_step)
