"""Flows and weights computed once per pair of frames and kept beside them under Ruder's names."""
import numpy as np
import pytest

from clips import pan, pan_flow, photo
from legacy_nst.motion import cache
from legacy_nst.motion.files import read_flo, read_pgm, write_flo
from legacy_nst.motion.flow import consistency_weights


@pytest.fixture(scope="module")
def frames(shared_dir):
    return pan(photo(shared_dir), 2)


@pytest.fixture
def counted(monkeypatch):
    """How many times the cache computed a pair of flows."""
    calls = []
    compute = cache.flow_pair

    def flow_pair(*args, **options):
        calls.append(options.get("size"))
        return compute(*args, **options)

    monkeypatch.setattr(cache, "flow_pair", flow_pair)
    return calls


def test_a_pair_is_computed_once_kept_under_ruders_names_and_read_back(tmp_path, frames, counted):
    first = cache.flows_for(tmp_path, 3, 4, *frames)
    assert first.computed and counted == [(72, 96)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "backward_4_3.flo", "forward_3_4.flo", "reliable_3_4.pgm", "reliable_4_3.pgm"]
    again = cache.flows_for(tmp_path, 3, 4, *frames)
    assert not again.computed and len(counted) == 1
    for name in ("forward", "backward", "forward_weights", "backward_weights"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    np.testing.assert_array_equal(read_flo(tmp_path / "backward_4_3.flo"), first.backward)
    np.testing.assert_array_equal(read_pgm(tmp_path / "reliable_4_3.pgm"),
                                  consistency_weights(first.backward, first.forward))
    assert np.abs(first.backward - (-pan_flow()))[8:-8, 8:-8].mean() < 0.5  # the right direction under each name


def test_a_pair_kept_at_another_size_or_damaged_is_computed_again(tmp_path, frames, counted):
    cache.flows_for(tmp_path, 1, 2, *frames)
    smaller = cache.flows_for(tmp_path, 1, 2, *frames, size=(36, 48))
    assert smaller.computed and smaller.forward.shape == (36, 48, 2)
    assert read_flo(tmp_path / "forward_1_2.flo").shape == (36, 48, 2)
    (tmp_path / "reliable_2_1.pgm").write_bytes(b"P5\n48 36\n255\n")  # truncated
    assert cache.flows_for(tmp_path, 1, 2, *frames, size=(36, 48)).computed
    (tmp_path / "backward_2_1.flo").unlink()
    assert cache.flows_for(tmp_path, 1, 2, *frames, size=(36, 48)).computed
    assert counted == [(72, 96), (36, 48), (36, 48), (36, 48)]


def test_flows_given_by_hand_are_read_as_they_are(tmp_path, frames, counted):
    """A folder of flows from another tool (as for Ruder's command line) is used, not recomputed."""
    paths = cache.flow_paths(tmp_path, 1, 2)
    write_flo(paths.forward, pan_flow())
    write_flo(paths.backward, -pan_flow())
    for path in (paths.forward_weights, paths.backward_weights):
        (tmp_path / path).write_bytes(b"P5\n96 72\n255\n" + bytes([255]) * 96 * 72)
    flows = cache.flows_for(tmp_path, 1, 2, *frames)
    assert not flows.computed and counted == []
    np.testing.assert_array_equal(flows.backward, -pan_flow())
    assert (flows.backward_weights == 1).all()
