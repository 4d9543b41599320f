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

