"""A graph engine reloaded with another problem of the same form (a clip's next frame: another content, start
and warped earlier frame; under colour control other style images too) computes what a new engine built for
that problem computes, to the bit: losses, gradient and Adam steps. Engines that cannot reload are built
again (engines.kept)."""
import numpy as np
import pytest

from legacy_nst import Config
from legacy_nst.engines.graph import GraphEngine
from legacy_nst.engines.kept import KeptEngine
from legacy_nst.io.images import read_image, resize
from legacy_nst.problem import build_problem, same_form
from legacy_nst.run.plan import make_plan

SIZE = (32, 40)


@pytest.fixture(scope="module")
def images(content_path, style_path):
    return resize(read_image(content_path), (96, 120)), read_image(style_path)


def frame(images, vgg, config, shift, style_gain=1.0, previous=1):
    """A problem like a clip's frame `shift`: its content cropped `shift` px further right, its start and
    `previous` warped earlier frames made from its own seed (so every array differs between frames)."""
    content, style = images
    crop = content[20:20 + SIZE[0] * 2, 10 + shift:10 + shift + SIZE[1] * 2]
    style = np.clip(style * style_gain, 0, 255).astype(np.uint8)
    rng = np.random.RandomState(shift)
    earlier = [(rng.normal(0, 30, (1, *SIZE, 3)).astype(np.float32),
                (rng.uniform(size=(1, *SIZE, 1)) > 0.3).astype(np.float32)) for _ in range(previous)]
    start = rng.normal(0, 30, (1, *SIZE, 3)).astype(np.float32)
    return build_problem(config, crop, [style], vgg.mean_pixel, SIZE, start, inputs={"previous": earlier})


def level(config):
    return make_plan(config, SIZE).levels[-1]


def test_a_reloaded_graph_engine_gives_a_new_engines_losses_and_gradient_exactly(images, vgg):
    config = Config(width=SIZE[1], optimizer="lbfgs")
    first = frame(images, vgg, config, 0)
    later = [frame(images, vgg, config, 4), frame(images, vgg, config, 8, style_gain=0.8)]  # then a new style
    assert all(same_form(first, problem) for problem in later)
    wanted = []
    for problem in later:
        with GraphEngine(problem, vgg, config) as new:
            wanted.append(new.compute_loss_and_grads(problem.start))
    with GraphEngine(first, vgg, config) as engine:
        engine.compute_loss_and_grads(first.start)
        operations = len(engine.graph.get_operations())
        for problem, (want, want_gradient) in zip(later, wanted):
            assert engine.reload(problem, config, level(config))
            got, gradient = engine.compute_loss_and_grads(problem.start)
            assert got == want and set(want) == {"total", "content", "style", "temporal"}
            assert np.array_equal(gradient, want_gradient)
        assert len(engine.graph.get_operations()) == operations  # nothing built again


@pytest.mark.slow
def test_a_reloaded_graph_engine_takes_a_new_engines_adam_steps_from_the_new_start(images, vgg):
    config = Config(width=SIZE[1], optimizer="adam", learning_rate=2.0)
    first, second = frame(images, vgg, config, 0), frame(images, vgg, config, 4)
    with GraphEngine(second, vgg, config) as new:
        stepper = new.stepper(config)
        want = [stepper.step() for _ in range(3)]
    with GraphEngine(first, vgg, config) as engine:
        stepper = engine.stepper(config)
        [stepper.step() for _ in range(2)]  # its optimizer state moved on: the next problem starts it afresh
        assert engine.reload(second, config, level(config))
        stepper = engine.stepper(config)
        got = [stepper.step() for _ in range(3)]
    for (losses, image), (want_losses, want_image) in zip(got, want):
        assert losses == want_losses and np.array_equal(image, want_image)


def test_a_problem_of_another_form_is_refused_and_the_kept_engine_built_again(images, vgg):
    config = Config(width=SIZE[1], optimizer="lbfgs")
    first, two_earlier = frame(images, vgg, config, 0), frame(images, vgg, config, 4, previous=2)
    assert not same_form(first, two_earlier)
    with GraphEngine(first, vgg, config) as engine:
        assert not engine.reload(two_earlier, config, level(config))
        assert not engine.reload(first, config.replace(optimizer="adam"), level(config))
    with KeptEngine() as kept:
        with kept.engine_for(first, vgg, config, level(config)) as one:
            pass
        with kept.engine_for(frame(images, vgg, config, 2), vgg, config, level(config)) as again:
            assert again is one  # kept open and reloaded
        with kept.engine_for(two_earlier, vgg, config, level(config)) as other:
            assert other is not one and one.sess._closed
