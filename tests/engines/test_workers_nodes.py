"""One run's tiles on two Ray nodes: a head and a second node, both on 127.0.0.1 (ray.cluster_utils.Cluster, one
CPU each), joined with --ray-address as a cluster would be; the log's per-tile node ids show both nodes."""
import json

import pytest

from legacy_nst.cli.main import main
from legacy_nst.cluster import loopback_only

pytestmark = pytest.mark.slow  # a two-node local Ray cluster

LOOPBACK = {"node_ip_address": "127.0.0.1", "num_cpus": 1}


@pytest.fixture(scope="module")
def two_nodes():
    """A head node and a second node on 127.0.0.1, 1 CPU each; shut down after the module."""
    import ray  # only these tests need it
    from ray.cluster_utils import Cluster

    loopback_only(ray)
    cluster = Cluster(initialize_head=True, head_node_args={**LOOPBACK, "include_dashboard": False})
    try:
        cluster.add_node(**LOOPBACK)
        cluster.wait_for_nodes()
        assert {node.node_ip_address for node in (cluster.head_node, *cluster.worker_nodes)} == {"127.0.0.1"}
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_a_run_through_ray_address_puts_tiles_on_both_nodes(two_nodes, content_path, style_path,
                                                            approx_weights_path, tmp_path):
    log = tmp_path / "run.json"
    status = main(["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
                   "--width", "256", "--height", "192", "--tile", "96", "--iterations", "1", "--init", "content",
                   "--ray-address", two_nodes.address, "--output", str(tmp_path / "out.png"), "--log-json", str(log),
                   "--quiet"])
    assert status == 0
    workers = json.loads(log.read_text())["tiling"]["workers"]
    nodes = {two_nodes.head_node.node_id, *(node.node_id for node in two_nodes.worker_nodes)}
    assert len(nodes) == 2 and workers["address"] == two_nodes.address
    assert (workers["count"], workers["threads"]) == (2, 1)  # one worker per CPU of the cluster, by default
    assert {started["node"] for started in workers["started"]} == nodes
    assert {tile["node"] for tile in workers["last_evaluation"]["tiles"]} == nodes
    assert set(workers["tiles_by_node"]) == nodes
