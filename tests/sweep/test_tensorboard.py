"""legacy-nst sweep --tensorboard: each job's events in its own folder under OUT/tensorboard with its axis values,
and the sweep's axes there, which the HParams plugin reads as one experiment (no Ray: the job runs here)."""
import pytest

from legacy_nst.sweep import spec as sweep_spec
from legacy_nst.sweep.jobs import job_paths, read_record, run_job
from legacy_nst.record.tensorboard import write_hparams_config

pytest.importorskip("tensorboard", reason="tensorboard is not installed (an optional extra: pip install "
                                          "'.[tensorboard]'); the --tensorboard tests read its event files with it")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.hparams import metadata  # noqa: E402


def sweep_jobs(tmp_path, shared_dir, approx_weights_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[base]\ncontent = "{shared_dir}/images/tubingen.jpg"\nweights = "{approx_weights_path}"\n'
                    f'width = 32\nheight = 32\niterations = 2\nseed = 0\n[axes]\nalpha = [100, 1000.5]\n'
                    f'style = ["{shared_dir}/images/starry_night.jpg", "{shared_dir}/images/the_scream.jpg"]\n')
    return sweep_spec.load(spec)


def read(folder):
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0, "scalars": 0})
    events.Reload()
    return events


@pytest.mark.slow
def test_a_sweep_job_writes_its_own_board_with_its_axis_values_and_the_sweep_its_axes(tmp_path, shared_dir,
                                                                                       approx_weights_path):
    spec = sweep_jobs(tmp_path, shared_dir, approx_weights_path)
    out = tmp_path / "out"
    write_hparams_config(out / "tensorboard", spec.axes)
    job = spec.jobs[-1]
    assert run_job(job, out, tensorboard=True)["status"] == "completed"
    experiment = metadata.parse_experiment_plugin_data(
        read(out / "tensorboard").SummaryMetadata(metadata.EXPERIMENT_TAG).plugin_data.content)
    domains = {h.name: [v.number_value or v.string_value for v in h.domain_discrete.values]
               for h in experiment.hparam_infos}
    assert domains == {"alpha": [100.0, 1000.5], "style": sorted(str(s) for _, values in spec.axes
                                                                  if _ == "style" for s in values)}
    assert "loss/total" in [m.name.tag for m in experiment.metric_infos]
    board = read(out / "tensorboard" / job.id)
    session = metadata.parse_session_start_info_plugin_data(
        board.SummaryMetadata(metadata.SESSION_START_INFO_TAG).plugin_data.content)
    assert {name: value.number_value or value.string_value for name, value in session.hparams.items()} == \
        {"alpha": float(job.values["alpha"]), "style": job.values["style"]}
    log = read_record(job_paths(out, job)["record"])["iterations"]
    assert [(e.step, e.value) for e in board.Scalars("loss/total")] == [(r["iteration"], r["total"]) for r in log]
