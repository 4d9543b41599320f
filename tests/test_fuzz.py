"""Fuzzing with hypothesis (derandomized: the same cases every run): random command lines for the main command,
`compare` and `sweep`, random sweep specs, and images, .mat files, checkpoints, manifests and specs truncated or
changed at random offsets. Every case runs (to the optimisation, replaced by a stop), exits 0, or exits 2 with at
most three lines of stderr: never a traceback, an input changed, a temporary file left or, short of a completed
run, a file written (tests/fuzzing.py). CASES below is the count run here; bench/fuzz.py runs more. And a FIFO, a
character device, a socket, a folder and a symlink loop at each path a command reads or writes (SPECIAL_PATHS)
must end in one line and exit 2, with nothing replaced and nothing blocked on.
"""
import functools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
import special_files
from fuzzing import check_case, stubs, workspace

pytestmark = pytest.mark.slow  # 454 hypothesis cases

CASES = {"main": 100, "plausible": 80, "compare": 40, "sweep": 40, "spec": 60, "spec_bytes": 20, "image": 40, "mat": 10,
         "checkpoint": 40, "manifest": 20, "real": 4}  # 454 cases


def ci(name):
    return settings(max_examples=CASES[name], derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def template(tmp_path_factory, shared_dir, approx_weights_path):
    folder = fuzzing.make_template(tmp_path_factory.mktemp("template"), shared_dir, approx_weights_path)
    fuzzing.saved_run(folder, approx_weights_path)
    fuzzing.sweep_record(folder)
    return folder


@pytest.fixture(scope="module")
def stubbed(approx_weights_path):
    return functools.partial(stubs, approx_weights_path)


def assert_case(argv, template, stubbed, protected=fuzzing.INPUTS, may_write=(), damage=None, real_runs=False,
                counted=None):
    """Run one case and check it (fuzzing.check_case); counted under `counted`, else the test's name."""
    with workspace(template) as folder, stubbed(real_runs=real_runs):
        if damage is not None:
            damage(folder)
        problems, status, lines = check_case(argv, folder, protected, may_write)
    assert not problems, (argv, status, lines, problems)
    test = os.environ.get("PYTEST_CURRENT_TEST", "?::?").split("::")[1].split(" ")[0].split("[")[0]
    fuzzing.COUNTS[counted or test.replace("test_", ""), status] += 1
    fuzzing.ENDINGS[test][lines[-1][19:60] if status == 2 else status] += 1
    return status


@ci("main")
@given(argv=fuzzing.main_argv())
def test_main_command_options(template, stubbed, argv):
    assert_case(argv, template, stubbed)


@ci("plausible")
@given(argv=fuzzing.plausible_argv())
def test_main_command_plausible_options(template, stubbed, argv):
    assert_case(argv, template, stubbed)


@ci("compare")
@given(argv=fuzzing.compare_argv())
def test_compare_options(template, stubbed, argv):
    assert_case(argv, template, stubbed)


SWEEP_WRITES = ("*manifest.jsonl", "*summary.md")  # rewritten by a driver stopped at the jobs


@ci("sweep")
@given(argv=fuzzing.sweep_argv())
def test_sweep_options(template, stubbed, argv):
    assert_case(argv, template, stubbed, may_write=SWEEP_WRITES)


@ci("spec")
@given(spec=fuzzing.spec_tables())
def test_random_sweep_specs(template, stubbed, spec):
    text = fuzzing.to_toml(spec)

    def write(folder):
        (folder / "spec.toml").write_text(text)
    assert_case(["sweep", "spec.toml", "--out", "new-out", "--quiet"], template, stubbed, may_write=("new-out/*",),
                damage=write)


def damage_case(template, stubbed, data, names, argv, may_write=(), original=None, text=False):
    """Damage `names` (one or a tuple) in a copy of the template, each at a drawn offset (or, `text`, cut at a
    line end), then run `argv`."""
    names = (names,) if isinstance(names, str) else names
    size = {n: len(original) if original is not None else (template / n).stat().st_size for n in names}
    ends = {n: [i + 1 for i, byte in enumerate((template / n).read_bytes()) if byte == ord("\n")] if text else []
            for n in names}
    how = {n: data.draw(fuzzing.damage(size[n], ends[n]), label=f"damage {n}") for n in names}

    def damage(folder):
        for name in names:
            fuzzing.write_damaged(folder / name, how[name], original)
    return assert_case(argv, template, stubbed, may_write=may_write, damage=damage)


@ci("spec_bytes")
@given(data=st.data())
def test_damaged_specs(template, stubbed, data):
    damage_case(template, stubbed, data, "spec.toml", ["sweep", "spec.toml", "--out", "new-out", "--quiet"],
                may_write=("new-out/*",), text=True)


IMAGE_CASES = {"content.png": ["--content", "content.png"], "content.bmp": ["--content", "content.bmp"],
               "style.jpg": ["--style", "style.jpg"], "style2.webp": ["--style", "style.jpg,style2.webp"],
               "init.tif": ["--init", "init.tif"]}


@ci("image")
@given(data=st.data(), name=st.sampled_from(sorted(IMAGE_CASES)))
def test_damaged_images(template, stubbed, data, name):
    argv = {"--content": "content.png", "--style": "style.jpg", **dict(zip(IMAGE_CASES[name][::2],
                                                                       IMAGE_CASES[name][1::2]))}
    damage_case(template, stubbed, data, name, [*(x for kv in argv.items() for x in kv), "--output", "out.png", "--weights",
                                       "weights.mat", "--width", "32", "--quiet"])


@functools.lru_cache(maxsize=1)
def weights_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


@ci("mat")
@given(data=st.data())
def test_damaged_weights(template, stubbed, data, approx_weights_path):
    damage_case(template, stubbed, data, "weights.mat", ["--content", "content.png", "--style", "style.jpg", "--output",
                                                "out.png", "--weights", "weights.mat", "--width", "32", "--quiet"],
                original=weights_bytes(os.path.realpath(approx_weights_path)))


@ci("checkpoint")
@given(data=st.data(), names=st.sampled_from((("ck/state.json",), ("ck/state.previous.json",),
                                              ("ck/state-00002.npz",), ("ck/state-00001.npz",),
                                              ("ck/state-00002.npz", "ck/state-00001.npz"),
                                              ("ck/state.json", "ck/state.previous.json"))))
def test_damaged_checkpoints(template, stubbed, data, names):
    status = damage_case(template, stubbed, data, names, ["--resume", "ck", "--quiet"])
    if len(names) == 1 and names[0].endswith(".npz"):
        assert status == "work", "one damaged npz of two: the other state is used"


@ci("manifest")
@given(data=st.data())
def test_damaged_manifests(template, stubbed, data):
    damage_case(template, stubbed, data, "out-sweep/manifest.jsonl", ["sweep", "spec.toml", "--out", "out-sweep", "--quiet"],
                may_write=("out-sweep/*",), text=True)


@ci("real")
@given(argv=fuzzing.real_argv())
def test_a_few_real_runs(template, stubbed, argv):
    assert assert_case(argv, template, stubbed, may_write=("*",), real_runs=True) in (0, 2)


SPECIAL_CASES = [(role, kind) for role in fuzzing.SPECIAL_PATHS for kind in special_files.KINDS
                 if (role, kind) not in fuzzing.NOT_SPECIAL]


@pytest.mark.parametrize("role, kind", SPECIAL_CASES)
def test_a_special_file_at_any_path_is_one_line_and_stays(template, stubbed, role, kind):
    """Issue 31: a FIFO, a device node, a socket, a folder or a symlink loop at any path a command reads or writes
    ends in one line and exit 2: nothing replaced, nothing written, nothing blocked on."""
    name, argv = fuzzing.SPECIAL_PATHS[role]
    with workspace(template) as folder, stubbed():
        special = fuzzing.make_special(folder, name, kind)
        with special_files.unblocked([special] if kind == "fifo" else [], seconds=30) as watch:
            problems, status, lines = check_case(argv, folder)
        assert special_files.describe(special) == kind, f"{name} was replaced"
    assert not watch.blocked, f"blocked on the {kind} at {name}"
    assert not problems and status == 2, (argv, status, lines, problems)
    fuzzing.COUNTS["special_files", status] += 1


@pytest.mark.parametrize("argv", list({tuple(argv): None for _, argv in fuzzing.SPECIAL_PATHS.values()}))
def test_each_command_line_of_the_special_files_runs_without_them(template, stubbed, argv):
    """The refusals above are the special files': the same command lines get past every check without them
    (counted with them, as the special files' cases that get to the work)."""
    assert assert_case(list(argv), template, stubbed, may_write=("*",), counted="special_files") in ("work", 0)


def test_the_count(capsys):
    """How the cases above ended (shown with -s): each property must reach both refusals and work."""
    with capsys.disabled():
        print(f"\nfuzz cases: {sum(fuzzing.COUNTS.values())}")
        for (test, status), count in sorted(fuzzing.COUNTS.items(), key=str):
            print(f"  {test}: {count} ended {status!r}")
        if os.environ.get("FUZZ_ENDINGS"):
            for test, endings in fuzzing.ENDINGS.items():
                print(test, endings.most_common(12))
    ran = {test for test, _ in fuzzing.COUNTS}
    if not ran:
        pytest.skip("no fuzz case ran in this session; run the whole file")
    refused = {test for test, status in fuzzing.COUNTS if status == 2}
    worked = {test for test, status in fuzzing.COUNTS if status in ("work", 0)}  # at the stop, or a real run done
    assert not ran - refused, f"never refused (exit 2): {sorted(ran - refused)}"
    assert not ran - worked, f"never got to the work: {sorted(ran - worked)}"
