"""A float32 finish (--float32-finish N): a --precision bfloat16 run whose last N steps run in float32.

bfloat16 convolutions make a step about 0.4x as long as a float32 one
(bench/results), but their losses and gradients are approximate. The finish
continues from the bfloat16 image on the float32 graph, so the run ends where
its float32 loss is what the log says; the finish's entry 0 (iteration
iterations - N) is the exact float32 loss of the bfloat16 result. An L-BFGS
history does not carry over: the finish starts a new one.
"""
import time

from .resume import StopOnly


def stylize_with_finish(stylize, content, style, config, *, vgg, observe=None, state=None):
    """`stylize` (transfer.stylize) for the bfloat16 steps, then again in float32 from their image.

    History and observer run on across the switch: entries are numbered on and
    `elapsed` counts from the first part's start.
    """
    finish = config.float32_finish
    steps = config.iterations - finish
    clock = {}

    def first_observe(iteration, values, image):
        clock.setdefault("started", time.perf_counter() - values["elapsed"])
        if observe is not None and iteration < steps:  # its final image is the finish's entry 0
            observe(iteration, values, image)

    first = stylize(content, style, config.replace(iterations=steps, float32_finish=0), vgg=vgg,
                    observe=first_observe, state=None if state is None else StopOnly(state, 0))
    started = clock.get("started", time.perf_counter())

    def finish_observe(iteration, values, image):
        if observe is not None:
            observe(steps + iteration, values, image)

    second = stylize(content, style, config.replace(iterations=finish, float32_finish=0, precision="float32",
                                                    multiscale=(), multiscale_iterations=None),
                     vgg=vgg, observe=finish_observe, start=first.extra["network_image"], started=started,
                     state=None if state is None else StopOnly(state, steps))
    history = [entry for entry in first.history if entry["iteration"] < steps]
    history += [{**entry, "iteration": steps + entry["iteration"]} for entry in second.history]
    parts = first.extra.get("levels", []) + [{"precision": "float32", "iterations": finish,
                                              "s_per_iter": second.s_per_iter}]
    return type(second)(image=second.image, history=history, s_per_iter=second.s_per_iter, config=config,
                        size=second.size, extra={**second.extra, "precision": first.extra.get("precision"),
                                                 "parts": parts})
