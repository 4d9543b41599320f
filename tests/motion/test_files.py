"""Middlebury .flo and binary .pgm files, byte for byte as Ruder's scripts write and read them."""
import struct

import numpy as np
import pytest

from legacy_nst.errors import NSTError
from legacy_nst.motion.files import read_flo, read_pgm, write_flo, write_pgm


def middlebury_bytes(flow):
    """The .flo layout written out: 'PIEH', width, height, then (u, v) per pixel, row by row."""
    height, width = flow.shape[:2]
    values = [float(value) for row in flow for pixel in row for value in pixel]
    return b"PIEH" + struct.pack("<ii", width, height) + struct.pack(f"<{len(values)}f", *values)


@pytest.fixture
def flow():
    return np.random.default_rng(0).normal(0, 3, (5, 7, 2)).astype(np.float32)


def test_a_flo_file_is_the_middlebury_layout_and_reads_back_exactly(tmp_path, flow):
    write_flo(tmp_path / "f.flo", flow)
    assert (tmp_path / "f.flo").read_bytes() == middlebury_bytes(flow)
    assert struct.unpack("<f", b"PIEH")[0] == 202021.25
    np.testing.assert_array_equal(read_flo(tmp_path / "f.flo"), flow)
    assert read_flo(tmp_path / "f.flo", size=(5, 7)).dtype == np.float32


def test_a_pgm_file_is_binary_8_bit_and_reads_back_as_weights(tmp_path):
    weights = np.array([[0, 1, 1], [1, 0, 0.5]], np.float32)
    write_pgm(tmp_path / "w.pgm", weights)
    assert (tmp_path / "w.pgm").read_bytes() == b"P5\n3 2\n255\n" + bytes([0, 255, 255, 255, 0, 128])
    np.testing.assert_array_equal(read_pgm(tmp_path / "w.pgm")[0], [0, 1, 1])
    assert read_pgm(tmp_path / "w.pgm")[1, 2] == pytest.approx(128 / 255)


def test_pgm_files_with_comments_and_16_bit_values_are_read(tmp_path):
    (tmp_path / "c.pgm").write_bytes(b"P5\n# written by hand\n2 1\n# largest\n255\n" + bytes([255, 51]))
    np.testing.assert_allclose(read_pgm(tmp_path / "c.pgm"), [[1, 0.2]])
    (tmp_path / "w.pgm").write_bytes(b"P5 2 1 1000\n" + struct.pack(">HH", 1000, 250))
    np.testing.assert_allclose(read_pgm(tmp_path / "w.pgm"), [[1, 0.25]])


def refused(read, path, match, **options):
    with pytest.raises(NSTError, match=match) as error:
        read(path, **options)
    assert "\n" not in str(error.value) and "; " in str(error.value)


def test_flo_files_with_a_wrong_magic_a_wrong_length_or_another_size_are_refused_in_one_line(tmp_path, flow):
    good = middlebury_bytes(flow)
    (tmp_path / "magic.flo").write_bytes(b"PNG!" + good[4:])
    refused(read_flo, tmp_path / "magic.flo", "not a .flo flow file")
    (tmp_path / "short.flo").write_bytes(good[:-4])
    refused(read_flo, tmp_path / "short.flo", "a 7x5 .flo file has 292 bytes, this one 288")
    (tmp_path / "long.flo").write_bytes(good + bytes(8))
    refused(read_flo, tmp_path / "long.flo", "this one 300")
    (tmp_path / "tiny.flo").write_bytes(b"PIE")
    refused(read_flo, tmp_path / "tiny.flo", "only 3 bytes")
    (tmp_path / "f.flo").write_bytes(good)
    refused(read_flo, tmp_path / "f.flo", "holds a flow of 7x5 pixels, the frames are 8x6", size=(6, 8))
    refused(read_flo, tmp_path / "missing.flo", "cannot be read")


def test_pgm_files_that_are_not_binary_pgm_truncated_or_of_another_size_are_refused_in_one_line(tmp_path):
    (tmp_path / "ascii.pgm").write_bytes(b"P2\n2 1\n255\n0 255\n")
    refused(read_pgm, tmp_path / "ascii.pgm", "only binary")
    (tmp_path / "png.pgm").write_bytes(b"\x89PNG\r\n\x1a\n")
    refused(read_pgm, tmp_path / "png.pgm", "not a binary .pgm file")
    (tmp_path / "short.pgm").write_bytes(b"P5\n3 2\n255\n" + bytes(5))
    refused(read_pgm, tmp_path / "short.pgm", "truncated")
    write_pgm(tmp_path / "w.pgm", np.ones((2, 3)))
    refused(read_pgm, tmp_path / "w.pgm", "holds weights of 3x2 pixels, the frames are 3x3", size=(3, 3))


def test_writing_a_malformed_flow_or_weights_leaves_no_file(tmp_path):
    with pytest.raises(NSTError, match="a flow is"):
        write_flo(tmp_path / "f.flo", np.zeros((4, 4, 3)))
    with pytest.raises(NSTError, match="weights are"):
        write_pgm(tmp_path / "w.pgm", np.zeros((4, 4, 1)))
    with pytest.raises(NSTError, match="does not exist"):
        write_flo(tmp_path / "nowhere" / "f.flo", np.zeros((4, 4, 2)))
    assert list(tmp_path.iterdir()) == []
