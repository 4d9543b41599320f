"""`legacy-nst video`: its options (the main command's, but the checkpoint ones, and the video's own, which the main
command does not have), and bad input refused in one line, exit status 2, before anything is written."""
import pytest

from clips import pan, photo, write_clip_with_pyav
from legacy_nst.cli.main import main
from legacy_nst.cli.transfer import transfer_parser
from legacy_nst.cli.video import LEFT_OUT, video_parser
from legacy_nst.config import FIELD_NAMES
from legacy_nst.config.groups.video import VIDEO_FIELDS


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory, shared_dir):
    frames = pan(photo(shared_dir, width=160), 3, step=(0, 2), origin=(30, 20), size=(36, 48))
    return write_clip_with_pyav(tmp_path_factory.mktemp("clip") / "pan.mp4", frames)


def flags(parser):
    return {name for action in parser._actions for name in action.option_strings}


def test_the_video_command_takes_the_main_commands_options_but_the_checkpoint_ones_and_its_own():
    video, main_flags = flags(video_parser()), flags(transfer_parser())
    own = {"--" + name.replace("_", "-") for name in VIDEO_FIELDS}
    left_out = {"--" + name.replace("_", "-") for name in LEFT_OUT}
    assert {"--" + name.replace("_", "-") for name in FIELD_NAMES} - left_out <= video
    assert {"--frames-dir", "--resume", "--start-frame", "--end-frame", "--every", "--crf", "--temporal-frames",
            "--frame-iterations"} <= own <= video
    assert not (own - {"--resume", "--overwrite"}) & main_flags  # the main command's --help is unchanged


def bad(tmp_path, clip_path, style_path, weights, *extra, content=None, output=None):
    return ["video", "--content", str(content or clip_path), "--style", str(style_path), "--output",
            str(output or tmp_path / "out.mp4"), "--weights", str(weights), "--width", "48", "--iterations", "1",
            *extra]


CASES = {
    "not a video": (dict(content="notes.txt"), (), "not a video"),
    "an unknown output container": (dict(output="out.avi"), (), "unknown output extension .avi"),
    "an output in a missing folder": (dict(output="missing/out.mp4"), (), "does not exist"),
    "an output that is a folder": (dict(output="folder.mp4"), (), "is a directory"),
    "start after end": ({}, ("--start-frame", "2", "--end-frame", "1"), "--start-frame 2 is after --end-frame 1"),
    "every below 1": ({}, ("--every", "0"), "--every must be a whole number >= 1"),
    "an end beyond the clip": ({}, ("--end-frame", "3"), "--end-frame 3: the clip's frames are 0-2"),
    "resume without a run": ({}, ("--resume", "--frames-dir", "{tmp}/empty"), "holds no video run"),
    "a folder of a run without resume": ({}, ("--frames-dir", "{tmp}/used"), "holds the frames of a run"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_exit_2_and_nothing_is_written(case, tmp_path, clip_path, style_path,
                                                             approx_weights_path, capsys):
    paths, extra, message = CASES[case]
    (tmp_path / "notes.txt").write_text("not a clip")
    (tmp_path / "folder.mp4").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "out-00000.png").write_bytes(b"")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    extra = [word.replace("{tmp}", str(tmp_path)) for word in extra]
    status = main(bad(tmp_path, clip_path, style_path, approx_weights_path, *extra,
                      **{key: tmp_path / value for key, value in paths.items()}))
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1 and message in lines[0], lines
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
