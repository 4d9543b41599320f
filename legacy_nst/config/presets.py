"""Named recipes (`--preset NAME`): option values applied as defaults that explicit options override.

artpy: logO's art.py exactly, including its untransposed kernels, 800x600 and
its checkpoint every 100 steps (the other values are the Config defaults,
spelled out so the recipe stays put if a default ever changes).

tutorial: the recipe of the TensorFlow eager tutorials (tensorflow.org's style
transfer tutorial and the earlier "Neural Style Transfer with eager execution"
one): Keras VGG-19 (max pooling), content conv5_2, style conv1_1 ... conv5_1
with equal weights, Gram / number of locations, mean squared differences, style
weight 1e-2 and content weight 1e4 (each divided by its layer count), Adam(5,
beta1 0.99, epsilon 0.1) on the 0-255 image, starting from the content, clipped
after each step, 1000 steps. The README says how this relates to the tutorials.

gatys: the paper's recipe (Gatys et al. 2016): L-BFGS from white noise, content
conv4_2, style conv1_1 ... conv5_1 with equal weights w_l = 1/5, average
pooling, content:style weight ratio 1e-3: beta = 1 (content), alpha = 1000
(style). The ratio is the paper's for the paper's losses, so the preset also
takes the paper's content loss 1/2 * sum (x - p)^2 (loss_normalization
'paper'); with art.py's 1/(4NM) (2NM times smaller: 2e5 at conv4_2 of a
128 x 96 image) a ratio of 1e-3 leaves almost no content, only texture.

jcjohnson: neural_style.lua's defaults and losses (jcjohnson/neural-style):
512 px on the longest side, the style's longest side 512 too, content relu4_2
(our conv4_2: conv + ReLU) weight 5, style relu1_1 ... relu5_1 each weight
100, TV 1e-3, loss_normalization 'jcjohnson' (nn.MSECriterion means, Gram / CHW,
TVLoss's sum form), max pooling, randn * 0.001 around the mean pixel, L-BFGS
with history 100 and 1000 iterations with no early stop (--lbfgs-restart: scipy's
L-BFGS-B, which stops when an iteration makes no progress, is started again).

anishathalye: neural_style.py's defaults (anishathalye/neural-style): content
relu4_2 weight 5 (--content-weight-blend 1), style weight 500 over relu1_1 ...
relu5_1 at 1/5 each (--style-layer-weight-exp 1), TV 100 in its per-size
form, loss_normalization 'anishathalye', max pooling, randn * 0.256 around
the mean pixel, Adam(10, 0.9, 0.999, 1e-8), 1000 iterations, the style
resized to the content's width. neural_style.py works at the content's own
size unless --width is given; give --width or --height (our default without
one is art.py's 800x600).

docs/peers.md cites the peers' source for every value and lists what is not
matched (Torch's and TensorFlow's random numbers, optim.lbfgs's fixed-step
iterations against scipy's line search, image resampling, Torch's x256 pixel scale).

fast: art.py's objective exactly (the artpy preset's kernels, layers, weights,
alpha, beta, normalization and noise start) reached sooner: L-BFGS instead of
Adam, the float32 L-BFGS with history 30, bfloat16 convolutions, 80 steps at
half size first and a 30-step float32 finish. With --precision float32 (or on a
CPU without native bfloat16) the same recipe runs in float32 throughout. The
size stays the user's (art.py's 800x600 by default). Chosen by bench/finish.py;
docs/performance.md has the measurements (history 10 and 60 half-size steps
until 2026-11-30). Its schedule alone is `--schedule fast`, which composes with
any preset's objective: `--preset jcjohnson --schedule fast` is neural_style.lua's
objective reached in 190 steps.

print (`--schedule print`, with any preset's objective): a coarse-to-fine chain for
prints, at 1/6, 1/3 and 2/3 of the working size, then the full size, with 200, 60,
20 and 10 L-BFGS steps (float32 L-BFGS, history 20, bfloat16 convolutions): most
steps where they are cheap, few where one costs half a minute. It writes the
average of the iterates (--average-iterates 0.9, restarted at each level), which
at 3072x2304 lowered the pixel noise of the print by 8% and its 2x2 checkerboard
by 9% against the last iterate. docs/any-size.md gives its time and crops.
"""
from ..errors import ConfigError
from .parse import parse_counts, parse_flag, parse_scales

ARTPY_STYLE_LAYERS = "conv1_1:0.5,conv2_1:1,conv3_1:1.5,conv4_1:3,conv5_1:4"
EQUAL_STYLE_LAYERS = ",".join(f"conv{block}_1:0.2" for block in range(1, 6))  # the paper's w_l = 1/5
FULL_STYLE_LAYERS = ",".join(f"conv{block}_1:1" for block in range(1, 6))  # jcjohnson: each at full weight

# Schedules (`--schedule NAME`): how the objective is minimised, for any preset's objective (explicit options
# override a schedule's values, a schedule overrides its preset's).
SCHEDULES = {
    "fast": dict(optimizer="lbfgs", lbfgs_implementation="float32", lbfgs_num_correction=30, lbfgs_initial_step=10.0,
                 precision="bfloat16", multiscale=(0.5,), multiscale_iterations=80, iterations=190, float32_finish=30),
    "print": dict(optimizer="lbfgs", lbfgs_implementation="float32", lbfgs_num_correction=20, lbfgs_initial_step=10.0,
                  precision="bfloat16", multiscale=(1 / 6, 1 / 3, 2 / 3), multiscale_iterations=(200, 60, 20),
                  iterations=290, float32_finish=0, average_iterates=0.9),
}
PRESETS = {
    "artpy": dict(kernel_layout="artpy", width=800, height=600, iterations=5000, checkpoint_every=100,
                  optimizer="adam", learning_rate=2.0, adam_beta1=0.9, adam_epsilon=1e-8,
                  alpha=100.0, beta=5.0, init="noise", noise_ratio=0.6, pooling="avg",
                  content_layers="conv4_2:1", style_layers=ARTPY_STYLE_LAYERS,
                  loss_normalization="artpy", clip_pixels=False),
    "fast": dict(kernel_layout="artpy", alpha=100.0, beta=5.0, init="noise", noise_ratio=0.6, pooling="avg",
                 content_layers="conv4_2:1", style_layers=ARTPY_STYLE_LAYERS, loss_normalization="artpy",
                 clip_pixels=False, **SCHEDULES["fast"]),
    "tutorial": dict(iterations=1000, optimizer="adam", learning_rate=5.0, adam_beta1=0.99, adam_epsilon=0.1,
                     alpha=1e-2, beta=1e4, init="content", pooling="max",
                     content_layers="conv5_2:1", style_layers=EQUAL_STYLE_LAYERS,
                     loss_normalization="tutorial", clip_pixels=True),
    "gatys": dict(optimizer="lbfgs", init="random", pooling="avg", content_layers="conv4_2:1",
                  style_layers=EQUAL_STYLE_LAYERS, loss_normalization="paper", alpha=1000.0, beta=1.0),
    "jcjohnson": dict(image_size=512, style_scale=(1.0,), iterations=1000, optimizer="lbfgs",
                      lbfgs_num_correction=100, init="randn", init_std=0.001, pooling="max",
                      content_layers="conv4_2:1", style_layers=FULL_STYLE_LAYERS, loss_normalization="jcjohnson",
                      beta=5.0, alpha=100.0, tv_weight=1e-3, clip_pixels=False, lbfgs_restart=True),
    "anishathalye": dict(style_scale=(1.0,), iterations=1000, optimizer="adam", learning_rate=10.0,
                         adam_beta1=0.9, adam_epsilon=1e-8, init="randn", init_std=0.256, pooling="max",
                         content_layers="conv4_2:1", style_layers=EQUAL_STYLE_LAYERS,
                         loss_normalization="anishathalye", beta=5.0, alpha=500.0, tv_weight=100.0,
                         clip_pixels=False),
}





def shrunk(recipe: dict, options: dict, name: str) -> dict:
    """`recipe` (the values of the preset and schedule the user named as `name`, e.g. "--schedule fast") fitted to
    the user's options: to a smaller --iterations, its per-level steps and its float32 finish scaled in the
    recipe's proportions to sum to the budget (largest remainders, at least one step a level), so `--schedule fast
    --iterations 40` runs 17 + 17 + 6 steps where the recipe runs 80 + 80 + 30.

    Only what the recipe set yields: a --multiscale-iterations or --float32-finish the user gave wins; a recipe's
    per-level counts that do not fit the user's --multiscale are dropped (the default share applies), and its
    finish is cut to the full-size steps left. A budget of at least the recipe's own scales nothing.
    """
    recipe = dict(recipe)
    own, budget = recipe.get("iterations"), options.get("iterations")
    budget = budget if type(budget) is int and budget > 0 else own
    try:  # the user's text as Config will parse it (a bad value is Config's to refuse)
        counts = parse_counts(recipe["multiscale_iterations"]) if recipe.get("multiscale_iterations") else ()
        levels = len(parse_scales(options.get("multiscale", recipe.get("multiscale", ()))))
    except ConfigError:
        return recipe
    coarse = list(counts) * levels if len(counts) == 1 else list(counts[:levels])
    finish = recipe.get("float32_finish", 0)
    if counts and "multiscale_iterations" not in options and \
            (len(counts) not in (1, levels) or own is None or sum(coarse) + finish > own):
        recipe.pop("multiscale_iterations")
        coarse = [own // (levels + 1)] * levels if own else []
    scaled = [key for key in ("multiscale_iterations", "float32_finish") if key in recipe and key not in options]
    if own is not None and scaled and budget < own:
        parts = [*coarse, own - sum(coarse) - finish, finish]
        needed = sum(1 for part in parts if part)
        if budget < needed:
            raise ConfigError(f"--iterations {budget} is fewer than the {needed} levels of {name}; give "
                              f"--iterations {needed} or more")
        parts = shares(parts, budget)
        if "multiscale_iterations" in scaled:
            recipe["multiscale_iterations"] = tuple(parts[:len(coarse)])
        if "float32_finish" in scaled:
            recipe["float32_finish"] = parts[-1]
    return _finish_fitted(recipe, options, budget, levels)


def _finish_fitted(recipe, options, budget, levels):
    """The recipe's float32 finish cut to the full-size steps the user's counts leave (None: no budget)."""
    if "float32_finish" not in recipe or "float32_finish" in options or budget is None:
        return recipe
    try:
        counts = parse_counts(options.get("multiscale_iterations", recipe.get("multiscale_iterations"))) \
            if options.get("multiscale_iterations", recipe.get("multiscale_iterations")) else ()
    except ConfigError:
        return recipe
    coarse = list(counts) * levels if len(counts) == 1 else list(counts[:levels]) if counts else \
        [budget // (levels + 1)] * levels
    recipe["float32_finish"] = max(0, min(recipe["float32_finish"], budget - sum(coarse)))
    return recipe


def shares(parts, budget):
    """`parts` scaled to sum to `budget` (at least their count of nonzero parts) by largest remainders, each
    nonzero part at least 1."""
    exact = [part * budget / sum(parts) for part in parts]
    counts = [max(int(value), 1) if part else 0 for part, value in zip(parts, exact)]
    by_remainder = sorted((i for i, part in enumerate(parts) if part), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[:max(0, budget - sum(counts))]:
        counts[i] += 1
    while sum(counts) > budget:  # the floors of one step went over: take from the largest
        counts[counts.index(max(counts))] -= 1
    return counts


def without_conflicts(merged: dict, options: dict) -> dict:
    """`merged` (the recipe under the user's options) with the one pair of recipe values that cannot go together
    resolved: clipping and the float32 L-BFGS (only scipy's L-BFGS-B keeps bounds, as `--preset tutorial
    --schedule fast` meets them). What the user gave wins; between two recipe values, the clipping (the
    objective's) keeps scipy's L-BFGS-B. Both given by the user: Config refuses them, naming them."""
    try:
        clip = parse_flag(merged.get("clip_pixels", False))
    except ConfigError:
        return merged
    if not (clip and merged.get("optimizer") == "lbfgs" and merged.get("lbfgs_implementation") == "float32"):
        return merged
    if "lbfgs_implementation" not in options:
        return {**merged, "lbfgs_implementation": "scipy"}
    if "clip_pixels" not in options:
        return {**merged, "clip_pixels": False}
    return merged
