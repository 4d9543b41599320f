"""Control in a run (issue 28): masks give each region its own style, at every level; luminance control keeps
the content's chroma; histogram control gives the network the style in the content's colours; score sees what
the run saw. The measures here are our own (numpy), not the objective's."""
import numpy as np
import pytest
from PIL import Image

from legacy_nst import stylize
from legacy_nst.cli.score import columns
from legacy_nst.config import Config
from legacy_nst.losses.guided import GuidedStyleTerm
from legacy_nst.run import levels
from legacy_nst.run.control import control_of
from legacy_nst.run.prepare import prepare
from legacy_nst.run.score import score

HEIGHT, WIDTH = 32, 48
SHALLOW = dict(style_layers="conv1_1:1,conv2_1:1,conv3_1:1", content_layers="conv3_2")  # a 48x32 image has room
# NTSC YIQ's chroma rows, written out here (not io.color_control's): I and Q of RGB in 0-255
IQ_FROM_RGB = np.array([[0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])


def content_image():
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    return np.stack([60 + 3 * x, 90 + 3 * y, 140 + 0 * x], -1).astype(np.uint8)


def stripes():
    """Vertical yellow and blue stripes, 3 px wide."""
    xx = np.mgrid[0:48, 0:48][1]
    return np.where(((xx // 3) % 2 == 0)[..., None], [250, 230, 30], [20, 30, 140]).astype(np.uint8)


def dots():
    """Green dots on red, every 8 px."""
    yy, xx = np.mgrid[0:48, 0:48]
    return np.where((((yy % 8 - 3.5) ** 2 + (xx % 8 - 3.5) ** 2) < 6)[..., None], [30, 170, 70],
                    [210, 60, 50]).astype(np.uint8)


def texture_gram(rgb):
    """Our own Gram-style measure: the second moments of each pixel's colour and its horizontal and vertical
    differences (9 channels), over the image."""
    f = np.asarray(rgb, np.float64) / 255.0
    channels = np.concatenate([f[:-1, :-1], np.diff(f, axis=1)[:-1], np.diff(f, axis=0)[:, :-1]], -1).reshape(-1, 9)
    return channels.T @ channels / len(channels)


def distance(rgb, style):
    return float(np.linalg.norm(texture_gram(rgb) - texture_gram(style)))


def halves(rgb):
    """The left and right halves, 4 px off the seam (the guides blur it) and 2 px off the borders."""
    return rgb[:, 2: WIDTH // 2 - 4], rgb[:, WIDTH // 2 + 4: -2]


@pytest.fixture(scope="module")
def masks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("masks")
    left = np.zeros((HEIGHT, WIDTH), np.uint8)
    left[:, : WIDTH // 2] = 255
    paths = (folder / "left.png", folder / "right.png")
    Image.fromarray(left).save(paths[0])
    Image.fromarray(255 - left[::2, ::2]).save(paths[1])  # half size: any size of the content's aspect ratio
    return tuple(map(str, paths))


@pytest.fixture(scope="module")
def split_run(vgg, masks):
    """Stripes on the left, dots on the right: 20 L-BFGS steps from noise."""
    return stylize(content_image(), [stripes(), dots()], vgg=vgg, width=WIDTH, iterations=20, optimizer="lbfgs",
                   seed=0, style_mask=masks, **SHALLOW)


@pytest.mark.slow
def test_left_and_right_masks_give_each_half_its_own_style(split_run, vgg):
    left, right = halves(split_run.image)
    assert distance(left, stripes()) < distance(left, dots())
    assert distance(right, dots()) < distance(right, stripes())
    # the paper's measure of success: each region about as close to its painting as a run with that one alone
    for style, half in ((stripes(), left), (dots(), right)):
        alone = stylize(content_image(), style, vgg=vgg, width=WIDTH, iterations=20, optimizer="lbfgs", seed=0,
                        **SHALLOW)
        side = halves(alone.image)[0 if half is left else 1]
        assert distance(half, style) < 1.5 * distance(side, style)


@pytest.mark.slow
def test_score_gives_the_masked_runs_last_logged_losses(split_run, vgg):
    """score builds the run's guided objective: the final image scores what the run logged last."""
    scores = score(content_image(), [stripes(), dots()], [split_run.network_image], split_run.config, vgg=vgg)
    (scored,) = scores.images
    last = split_run.history[-1]
    for name in ("total", "content", "style"):
        assert scored.losses[name] == pytest.approx(last[name], rel=1e-5), name
    assert [term.region for term in scored.terms if term.group == "style"] == [0, 0, 0, 1, 1, 1]
    assert [header for header, _ in columns(scores)][-3:] == ["s2:conv1_1", "s2:conv2_1", "s2:conv3_1"]


def test_luminance_control_keeps_the_contents_chroma_within_one_level(vgg):
    result = stylize(content_image(), stripes(), vgg=vgg, width=WIDTH, iterations=3, seed=0,
                     color_control="luminance", **SHALLOW)
    assert result.image.shape == (HEIGHT, WIDTH, 3)  # the working size is the content's: no resizing
    chroma = result.image.astype(np.float64) @ IQ_FROM_RGB.T
    want = content_image().astype(np.float64) @ IQ_FROM_RGB.T
    assert np.abs(chroma - want).max() <= 1.0  # 1/255 of the range
    luminance = result.image.astype(np.float64) @ [0.299, 0.587, 0.114]
    assert np.abs(luminance - content_image() @ [0.299, 0.587, 0.114]).mean() > 2  # the luminance was styled


def test_colour_control_gives_the_network_the_images_it_names():
    content, style = content_image(), np.random.RandomState(0).randint(0, 256, (40, 40, 3)).astype(np.uint8)
    matched = control_of(Config(color_control="histogram"), content, [style]).styles_rgb[0]
    pixels, target = matched.reshape(-1, 3).astype(np.float64), content.reshape(-1, 3).astype(np.float64)
    assert np.abs(pixels.mean(0) - target.mean(0)).max() < 1.0  # uint8 rounding and a little clipping
    assert np.abs(np.cov(pixels.T) - np.cov(target.T)).max() < 0.03 * np.abs(np.cov(target.T)).max()
    grey = control_of(Config(color_control="luminance"), content, [style])
    for image in (grey.content_rgb, grey.styles_rgb[0]):
        assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()
    content_y = content.astype(np.float64) @ [0.299, 0.587, 0.114]
    assert grey.styles_rgb[0][..., 0].mean() == pytest.approx(content_y.mean(), abs=0.5)
    assert grey.styles_rgb[0][..., 0].std() == pytest.approx(content_y.std(), rel=0.02)
    plain = control_of(Config(), content, [style])
    assert plain.content_rgb is content and plain.styles_rgb[0] is style and not plain.inputs


@pytest.mark.slow
def test_masks_reach_every_multiscale_level_at_its_size(vgg, masks, monkeypatch):
    built = []

    def recorded(*args, **kwargs):
        built.append(real(*args, **kwargs))
        return built[-1]
    real = levels.build_problem
    monkeypatch.setattr(levels, "build_problem", recorded)
    prepared = prepare(content_image(), [stripes(), dots()], Config(width=WIDTH, iterations=2, multiscale="0.5",
                                                                    style_mask=masks, **SHALLOW), vgg=vgg)
    for _ in levels.run_levels(prepared):
        pass
    assert [problem.size for problem in built] == [(16, 24), (HEIGHT, WIDTH)]
    for problem in built:
        left, right = problem.inputs["style_masks"]
        assert left.shape == problem.size and left[:, 0].min() == 1 and left[:, -1].max() == 0
        assert right[:, -1].min() == 1 and right[:, 0].max() == 0
        regions = {term.region for term in problem.objective.terms if isinstance(term, GuidedStyleTerm)}
        assert regions == {0, 1}


def test_the_share_no_mask_covers_is_one_note(tmp_path):
    band = np.zeros((HEIGHT, WIDTH), np.uint8)
    band[:, :12] = 255  # a quarter of the width
    Image.fromarray(band).save(tmp_path / "band.png")
    control = control_of(Config(style_mask=str(tmp_path / "band.png")), content_image(), [stripes()])
    assert len(control.notes) == 1 and "75.0%" in control.notes[0] and "content" in control.notes[0]
    Image.fromarray(255 - band).save(tmp_path / "rest.png")
    both = control_of(Config(style_mask=(str(tmp_path / "band.png"), str(tmp_path / "rest.png"))),
                      content_image(), [stripes(), dots()])
    assert both.notes == () and both.inputs["guidance"] == "simple"
