"""Config's checks at construction: --init is a start name or an existing image, refused before anything runs."""

from legacy_nst.cli.main import main
from legacy_nst.config import INITS, Config
from messages import refusal


def test_a_misspelt_init_is_refused_naming_the_choices_and_the_near_one():
    message = refusal(init="contnet")
    assert "'contnet'" in message and "did you mean content?" in message
    assert all(name in message for name in INITS) and "image path" in message


def test_init_takes_each_name_and_an_existing_image(tmp_path, content_path):
    for name in INITS:
        assert Config(init=name).init == name
    assert Config(init=str(content_path)).init == str(content_path)
    message = refusal(init=str(tmp_path / "start.jpg"))
    assert "no such file" in message and str(tmp_path / "start.jpg") in message


def test_the_command_line_refuses_it_before_the_plan_is_printed(capsys, content_path, style_path, tmp_path,
                                                                approx_weights_path):
    status = main(["--content", str(content_path), "--style", str(style_path), "--output", str(tmp_path / "o.png"),
                   "--weights", str(approx_weights_path), "--width", "32", "--iterations", "1", "--init", "contnet"])
    err = capsys.readouterr().err
    assert status == 2 and len(err.splitlines()) == 1 and "did you mean content?" in err, err
    assert not (tmp_path / "o.png").exists()


def test_the_control_options_take_paths_once_per_style_and_refuse_what_cannot_be():
    assert Config(style_mask="a.png").style_mask == ("a.png",)
    assert Config(style_mask=["a.png", "b.png,c.png"]).style_mask == ("a.png", "b.png", "c.png")
    assert (Config().guidance, Config().color_control, Config().style_region_mask) == ("simple", None, None)
    assert "--style-mask" in refusal(style_mask=("a.png", "b.png"), style_blend_weights="1,2")
    assert "inside" in refusal(guidance="outside") and "histogram" in refusal(color_control="hist")
    assert "path" in refusal(style_mask=3)
