"""io.paths: what a path is, told without opening it, and files opened only when regular (issue 31)."""
import os

import pytest

import special_files
from legacy_nst.errors import NSTError
from legacy_nst.io.paths import NotRegularFile, check_regular_files, not_regular, open_regular, path_kind, read_regular


@pytest.mark.parametrize("kind, expected", [("fifo", "FIFO"), ("device", "character device"), ("socket", "socket"),
                                            ("directory", "directory"), ("loop", "symlink loop")])
def test_each_kind_of_special_file_is_named_without_opening_it(tmp_path, kind, expected):
    path = special_files.make(tmp_path / "x", kind)
    with special_files.unblocked([path] if kind == "fifo" else []) as watch:
        assert path_kind(path) == expected
        with pytest.raises(NotRegularFile) as refused:
            open_regular(path)
    assert not watch.blocked
    assert str(refused.value) == f"{path}: {not_regular(path)}" and "\n" not in str(refused.value)


def test_regular_files_links_to_them_and_missing_paths(tmp_path):
    (tmp_path / "a").write_bytes(b"bytes")
    (tmp_path / "link").symlink_to("a")
    (tmp_path / "dangling").symlink_to("nowhere")
    assert [path_kind(tmp_path / n) for n in ("a", "link", "missing", "dangling", "a/below")] == [
        "file", "file", "missing", "broken link", "not a folder"]
    assert not_regular(tmp_path / "a") is None and not_regular(tmp_path / "missing") is None
    assert not_regular(tmp_path / "dangling") == "is a symbolic link to a file that does not exist"
    assert read_regular(tmp_path / "link") == b"bytes"
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "missing")
    assert path_kind("bad\0name") == "bad name"


def test_a_file_swapped_for_a_fifo_after_the_look_is_still_refused(tmp_path, monkeypatch):
    """open_regular opens without blocking and looks again at what it opened."""
    from legacy_nst.io import paths

    fifo = special_files.make(tmp_path / "f", "fifo")
    monkeypatch.setattr(paths, "path_kind", lambda path: "file")  # as if it had been a file a moment ago
    with special_files.unblocked([fifo]) as watch:
        with pytest.raises(NotRegularFile, match="is a FIFO"):
            open_regular(fifo)
    assert not watch.blocked


def test_inputs_that_are_not_regular_files_are_refused_naming_the_option(tmp_path):
    (tmp_path / "c.png").write_bytes(b"x")
    fifo = special_files.make(tmp_path / "s.png", "fifo")
    check_regular_files([("--content", tmp_path / "c.png"), ("--init", tmp_path / "missing.png")])
    with pytest.raises(NSTError) as refused:
        check_regular_files([("--content", tmp_path / "c.png"), ("--style", fifo)])
    assert str(refused.value) == f"--style {fifo}: is a FIFO (named pipe), not a regular file; give a regular file"


def test_a_file_behind_a_folder_without_permission_is_unreachable_for_a_normal_user(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads through any folder's permissions")
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "a").write_bytes(b"x")
    os.chmod(tmp_path / "closed", 0)
    try:
        assert path_kind(tmp_path / "closed" / "a") == "unreachable"
    finally:
        os.chmod(tmp_path / "closed", 0o755)
