"""`legacy-nst artistic-video`: Ruder's artistic_video.lua command line, as it is, mapped onto `legacy-nst video`:
the mapping option by option, a run on his .flo/.pgm files equal to the same run through `legacy-nst video` with
the same flows, and his files missing or of the wrong size refused in one line (exit 2) before anything is
written."""
import numpy as np
import pytest
from PIL import Image

from clips import pan, photo
from legacy_nst.cli.artistic import clip_options, given_flows, translate
from legacy_nst.cli.main import main
from legacy_nst.config import Config
from legacy_nst.config.groups.video import VideoOptions
from legacy_nst.errors import ConfigError
from legacy_nst.io.video import open_clip
from legacy_nst.motion.files import write_flo, write_pgm
from legacy_nst.video.run import plan_video

SIZE = (24, 32)  # (height, width)
STEP = 2  # the camera pans STEP px right a frame


def test_his_command_line_becomes_our_options_exactly():
    job = translate(["-content_pattern", "in/frame_%04d.ppm", "-style_image", "s.jpg", "-output_folder", "out/",
                     "-num_images", "2", "-start_number", "3", "-continue_with", "2", "-num_iterations", "20,10",
                     "-init", "image,prevWarped", "-temporal_weight", "50", "-content_weight", "2",
                     "-style_weight", "300", "-tv_weight", "0.01", "-flow_relative_indices", "4,1",
                     "-flow_pattern", "f/b_[%d]_{%d}.flo", "-flowWeight_pattern", "f/r_[%d]_{%d}.pgm",
                     "-number_format", "%05d", "-seed", "7", "-gpu", "-1", "-tol_loss_relative", "0.001"])
    expected = Config.from_options(preset="jcjohnson", init="content", init_std=0.001, iterations=20,
                                   temporal_weight=50.0, beta=2.0, alpha=300.0, tv_weight=0.01, seed=7,
                                   print_every=100, learning_rate=10.0, lbfgs_num_correction=100,
                                   tol_loss_relative=0.001, tol_loss_relative_interval=50)
    assert job.config == expected
    assert job.video == VideoOptions(frames_dir="out/out-frames", resume=True, frame_iterations=10,
                                     temporal_frames=(1, 4))
    assert (job.content, job.styles, job.output) == ("in/frame_%04d.ppm", ["s.jpg"], "out/out-%05d.png")
    assert (job.flow_pattern, job.weights_pattern, job.start_number, job.num_images) == (
        "f/b_[%d]_{%d}.flo", "f/r_[%d]_{%d}.pgm", 3, 2)
    assert job.notes == ["-continue_with 2: continues the run kept in out/out-frames from its first unfinished "
                         "frame (--resume)"]


def test_his_defaults_are_his_own():
    job = translate([])
    assert (job.config.iterations, job.video.frame_iterations, job.config.init, job.config.init_std) == (
        2000, 1000, "randn", 0.001)
    assert (job.config.beta, job.config.alpha, job.config.tv_weight, job.config.temporal_weight) == (
        5.0, 100.0, 1e-3, 1e3)
    assert (job.content, job.output, job.video.temporal_frames, job.video.resume) == (
        "example/marple8_%02d.ppm", "out-%04d.png", (1,), False)
    assert (job.flow_pattern, job.start_number) == ("example/deepflow/backward_[%d]_{%d}.flo", 1)
    assert (job.config.tol_loss_relative, job.config.tol_loss_relative_interval) == (1e-4, 50)


def test_his_relative_tolerance_is_his_l_bfgs_alone():
    job = translate(["-tol_loss_relative", "0.01", "-tol_loss_relative_interval", "20", "-optimizer", "adam"])
    assert (job.config.tol_loss_relative, job.config.tol_loss_relative_interval) == (0.0, 20)


@pytest.mark.parametrize("argv, message", [
    (["-init", "random,prev"], "later frames start from prevWarped here"),
    (["-use_flow_every", "2"], "-use_flow_every 2: legacy-nst video has -flow_relative_indices only"),
    (["-num_iterations", "ten"], "give N or FIRST,LATER"),
])
def test_what_we_cannot_honour_is_refused_in_one_line(argv, message):
    with pytest.raises(ConfigError, match=message):
        translate(argv)


@pytest.fixture
def his_folder(tmp_path, shared_dir):
    """His layout: frames/frame_0001.ppm.. (a 3-frame pan), the exact backward flows and their weights in
    deepflow/ under makeOptFlow.sh's names, the style, and an empty output folder."""
    for k, frame in enumerate(pan(photo(shared_dir, width=160), 3, step=(0, STEP), origin=(30, 20), size=SIZE)):
        (tmp_path / "frames").mkdir(exist_ok=True)
        Image.fromarray(frame).save(tmp_path / "frames" / f"frame_{k + 1:04d}.ppm")
    (tmp_path / "deepflow").mkdir()
    for frame in (2, 3):
        write_flo(tmp_path / "deepflow" / f"backward_{frame}_{frame - 1}.flo", backward_flow())
        write_pgm(tmp_path / "deepflow" / f"reliable_{frame}_{frame - 1}.pgm", backward_weights())
    Image.open(shared_dir / "images" / "starry_night.jpg").resize((32, 24)).save(tmp_path / "style.png")
    (tmp_path / "out").mkdir()
    return tmp_path


def backward_flow():
    """Frame j -> j-1 of the pan: the pixel x of frame j is at x + STEP in frame j-1."""
    flow = np.zeros(SIZE + (2,), np.float32)
    flow[..., 0] = STEP
    return flow


def backward_weights():
    weights = np.ones(SIZE, np.float32)
    weights[:, -STEP:] = 0  # seen only in frame j
    return weights


def his_argv(folder, *extra):
    return ["artistic-video", "-content_pattern", f"{folder}/frames/frame_%04d.ppm", "-style_image",
            f"{folder}/style.png", "-output_folder", f"{folder}/out/", "-flow_pattern",
            f"{folder}/deepflow/backward_[%d]_{{%d}}.flo", "-flowWeight_pattern",
            f"{folder}/deepflow/reliable_[%d]_{{%d}}.pgm", "-num_iterations", "3,2", "-seed", "0", "-gpu", "-1",
            "-model_file", str(WEIGHTS), *extra]


WEIGHTS = None


@pytest.fixture(autouse=True)
def _weights(approx_weights_path):
    global WEIGHTS
    WEIGHTS = approx_weights_path


@pytest.mark.slow
def test_a_run_on_his_flow_files_equals_legacy_nst_video_on_the_same_flows(his_folder, tmp_path):
    assert main(his_argv(his_folder)) == 0
    ours = tmp_path / "ours-frames"
    ours.mkdir()
    for frame in (1, 2):  # our clip counts from 0: his frame j is our j - 1
        write_flo(ours / f"backward_{frame}_{frame - 1}.flo", backward_flow())
        write_pgm(ours / f"reliable_{frame}_{frame - 1}.pgm", backward_weights())
    (tmp_path / "ours").mkdir()
    assert main(["video", "--content", f"{his_folder}/frames/frame_%04d.ppm", "--style", f"{his_folder}/style.png",
                 "--output", f"{tmp_path}/ours/%04d.png", "--frames-dir", str(ours), "--preset", "jcjohnson",
                 "--init", "randn", "--init-std", "0.001", "--width", "32", "--height", "24", "--iterations", "3",
                 "--frame-iterations", "2", "--temporal-weight", "1000", "--seed", "0", "--weights",
                 str(WEIGHTS), "--quiet"]) == 0
    for number in (1, 2, 3):
        his = np.array(Image.open(his_folder / "out" / f"out-{number:04d}.png"))
        assert np.array_equal(his, np.array(Image.open(tmp_path / "ours" / f"{number:04d}.png"))), number
    frames = his_folder / "out" / "out-frames"
    assert not list(frames.glob("forward_*.flo"))  # his flows were read, none computed


@pytest.mark.parametrize("name, option", [("backward_3_2.flo", "-flow_pattern"),
                                          ("reliable_3_2.pgm", "-flowWeight_pattern")])
def test_a_missing_flow_file_is_one_line_exit_2_and_nothing_is_written(his_folder, capsys, name, option):
    (his_folder / "deepflow" / name).unlink()
    before = sorted(his_folder.rglob("*"))
    assert main(his_argv(his_folder)) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{name}: no such file ({option}, frame 3)" in lines[0], lines
    assert sorted(his_folder.rglob("*")) == before


def test_without_any_of_his_flow_files_the_flows_are_computed(his_folder):
    for path in (his_folder / "deepflow").iterdir():
        path.unlink()
    job = translate(his_argv(his_folder)[1:])
    config, video = clip_options(job, open_clip(job.content))
    setup = plan_video(job.content, job.styles, job.output, config, video)
    assert (setup.size, list(setup.selection)) == (SIZE, [0, 1, 2])
    assert given_flows(job, setup) == {}  # run_artistic notes it; motion.cache computes them


def test_a_flow_file_of_another_size_is_one_line_exit_2_and_nothing_is_written(his_folder, capsys):
    write_flo(his_folder / "deepflow" / "backward_2_1.flo", np.zeros((12, 16, 2), np.float32))
    before = sorted(his_folder.rglob("*"))
    assert main(his_argv(his_folder)) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "backward_2_1.flo: holds a flow of 16x12 pixels, the frames are 32x24" in lines[0]
    assert sorted(his_folder.rglob("*")) == before
