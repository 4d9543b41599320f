"""io.atomic: a write replaces only a regular file, says which file failed, and is checked before the run."""
import errno
import os

import pytest

import special_files
from legacy_nst.errors import NSTError, WriteError
from legacy_nst.io.atomic import atomic_write, check_folder_writable, check_writable, unwritable


@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_atomic_write_never_renames_over_a_special_file(tmp_path, kind):
    """Issue 31: outputs were renamed over the target whatever it was: a FIFO or /dev/full became a file."""
    target = special_files.make(tmp_path / "out.json", kind)
    with pytest.raises(NSTError) as refused:
        atomic_write(target, b"{}")
    assert str(refused.value).startswith(f"{target}: is a ") and "will not replace it" in str(refused.value)
    assert special_files.describe(target) == kind
    assert os.listdir(tmp_path) == ["out.json"], "no temporary file left"


def test_a_special_file_made_while_the_bytes_are_written_is_not_replaced_either(tmp_path):
    target = tmp_path / "out.json"

    def write(handle):
        handle.write(b"{}")
        os.mkfifo(target)
    with pytest.raises(NSTError, match="is a FIFO"):
        atomic_write(target, write=write)
    assert special_files.describe(target) == "fifo" and os.listdir(tmp_path) == ["out.json"]


def test_a_failed_write_names_the_target_not_the_temporary_file(tmp_path):
    def write(handle):
        raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(WriteError) as failed:
        atomic_write(tmp_path / "r.json", write=write)
    assert str(failed.value) == f"{tmp_path}/r.json: cannot write it (No space left on device); free some space, " \
                                "or write it elsewhere"
    assert failed.value.errno == errno.ENOSPC and isinstance(failed.value, OSError)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kind", ["fifo", "device", "socket", "directory", "loop"])
def test_check_writable_refuses_what_is_not_a_regular_file(tmp_path, kind):
    target = special_files.make(tmp_path / "out.png", kind)
    with pytest.raises(NSTError) as refused:
        check_writable(target, f"--output {target}", "give another --output")
    message = str(refused.value)
    assert message.startswith(f"--output {target}: is a ") and message.endswith("; will not replace it; give "
                                                                                 "another --output"), message
    assert special_files.describe(target) == kind


def test_check_writable_takes_a_missing_file_a_regular_one_and_a_link_to_one(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "link.png").symlink_to("a.png")
    probed = set()
    for name in ("a.png", "new.png", "link.png"):
        check_writable(tmp_path / name, name, probed=probed)
    assert probed == {str(tmp_path)} and sorted(os.listdir(tmp_path)) == ["a.png", "link.png"]


def test_a_read_only_folder_is_found_by_trying_even_as_root(tmp_path):
    """os.access says yes to root on a read-only mount; creating a file there says no."""
    (tmp_path / "ro").mkdir()
    with special_files.read_only(tmp_path / "ro"):
        assert unwritable(tmp_path / "ro") in ("Read-only file system", "Permission denied")
        with pytest.raises(NSTError, match=r"^--log-json .*/ro/r.json: cannot write in .*/ro \((Read-only file "
                                           r"system|Permission denied)\); make it writable, or give another"):
            check_writable(tmp_path / "ro" / "r.json", f"--log-json {tmp_path / 'ro' / 'r.json'}",
                           "give another --log-json")
        with pytest.raises(NSTError, match=r"^--checkpoint-dir .*/ro/a/b \(created in .*/ro\): cannot write in"):
            check_folder_writable(tmp_path / "ro" / "a" / "b", f"--checkpoint-dir {tmp_path / 'ro' / 'a' / 'b'}",
                                  "give another --checkpoint-dir")
        assert os.listdir(tmp_path / "ro") == []
    check_folder_writable(tmp_path / "ro" / "a" / "b", "x", "y")
    assert not (tmp_path / "ro" / "a").exists(), "checked, not made"


def test_a_checkpoint_folder_that_is_a_file_or_below_one_is_refused(tmp_path):
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(NSTError, match="is not a folder"):
        check_folder_writable(tmp_path / "file", "--checkpoint-dir file", "give another")
    with pytest.raises(NSTError, match=r"--checkpoint-dir x \(its parent .*/file\): is not a folder"):
        check_folder_writable(tmp_path / "file" / "x", "--checkpoint-dir x", "give another")
