"""One sweep job in this process (no Ray): a job without a seed gets a stable one, so a rerun makes the same image."""
import hashlib
import json
import shutil

import pytest

from legacy_nst.sweep import manifest
from legacy_nst.sweep import spec as sweep_spec
from legacy_nst.sweep.jobs import job_paths, run_job


def unseeded_job(tmp_path, shared_dir, approx_weights_path, style="starry_night"):
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[base]\ncontent = "{shared_dir}/images/tubingen.jpg"\nweights = "{approx_weights_path}"\n'
                    f'width = 32\nheight = 32\niterations = 2\n[axes]\nstyle = ["{shared_dir}/images/{style}.jpg", '
                    f'"{shared_dir}/images/the_scream.jpg"]\n')
    return sweep_spec.load(spec).jobs


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_job_without_a_seed_gives_the_same_image_when_run_again(tmp_path, shared_dir, approx_weights_path):
    """Issue 23: a job recomputed after a failure started from fresh noise."""
    job, other = unseeded_job(tmp_path, shared_dir, approx_weights_path)
    assert job.options["seed"] is None and job.options["init"] == "noise"
    out = tmp_path / "out"
    first = run_job(job, out)
    assert first["status"] == "completed", first
    image = digest(job_paths(out, job)["output"])
    shutil.rmtree(job_paths(out, job)["folder"])  # as after a failure that left nothing to resume from
    again = run_job(job, out)
    assert digest(job_paths(out, job)["output"]) == image
    assert first["seed"] == again["seed"] and isinstance(first["seed"], int)
    assert json.loads(job_paths(out, job)["record"].read_text())["config"]["seed"] == first["seed"]
    assert manifest.entry(job, again)["seed"] == first["seed"], "the manifest records the seed"
    assert run_job(other, out)["seed"] != first["seed"], "each job draws its own noise"


def test_a_jobs_seed_is_a_stable_hash_of_its_id(tmp_path, shared_dir, approx_weights_path):
    from legacy_nst.sweep.jobs import BASE_SEED, job_seed

    job = unseeded_job(tmp_path, shared_dir, approx_weights_path)[0]
    expected = int.from_bytes(hashlib.sha256(f"{BASE_SEED}:{job.id}".encode()).digest()[:4], "big") & 0x7FFFFFFF
    assert job_seed(job) == expected


@pytest.mark.slow
def test_a_worker_keeps_no_graph_of_a_finished_job(tmp_path, shared_dir, approx_weights_path):
    """bench/worker_rss.py: 50 jobs in one process grew 39% from the 5th to the last, each job's graphs (with their
    weight constants) waiting in reference cycles for Python's oldest generation; a job now frees them at its end.

    Graphs that other tests (or TensorFlow itself) keep alive in this process are not the job's: the check is
    that a job adds none to those alive before it."""
    import gc
    import weakref

    import tensorflow as tf

    first, second = unseeded_job(tmp_path, shared_dir, approx_weights_path)[:2]
    assert run_job(first, tmp_path / "out")["status"] == "completed"  # any process-wide graph is made here
    before = weakref.WeakSet(o for o in gc.get_objects() if isinstance(o, tf.Graph))
    assert run_job(second, tmp_path / "out")["status"] == "completed"
    assert [o for o in gc.get_objects() if isinstance(o, tf.Graph) and o not in before] == []


def one_job(tmp_path, shared_dir, approx_weights_path, base):
    spec = tmp_path / "one.toml"
    spec.write_text(f'[base]\ncontent = "{shared_dir}/images/tubingen.jpg"\nweights = "{approx_weights_path}"\n'
                    f'style = "{shared_dir}/images/starry_night.jpg"\nmemory_limit = 64\n{base}')
    return sweep_spec.load(spec).jobs[0]


@pytest.mark.parametrize("base, tile", [('preset = "jcjohnson"\n', None),  # 512 px by image_size
                                        ('width = 512\ntile = "256"\n', 256)])  # 512x384 in tiles of 256
def test_a_jobs_memory_is_estimated_as_the_run_estimates_it(tmp_path, shared_dir, approx_weights_path, base, tile):
    """Issue 27: the sweep sized a job without its image_size (a jcjohnson job at 800x600) and always untiled."""
    from legacy_nst.run.memory import estimate, tiled_estimate
    from legacy_nst.run.plan import make_plan
    from legacy_nst.sweep.jobs import estimated_bytes

    job = one_job(tmp_path, shared_dir, approx_weights_path, base)
    config = job.config
    plan = make_plan(config, config.working_size((768, 1024)))  # as record.files plans the run
    assert plan.size == (384, 512) and plan.levels[-1].tile == tile
    assert estimated_bytes(job) == max(level.estimate.total for level in plan.levels)
    by_hand = tiled_estimate(384, 512, config, tile) if tile else estimate(384, 512, config)
    assert estimated_bytes(job) == by_hand.total
