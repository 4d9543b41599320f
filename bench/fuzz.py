"""The fuzz suite of tests/test_fuzz.py, longer: N cases from a random seed, findings collected, not stopped at.

    python bench/fuzz.py [--cases 5000] [--seed S] [--minutes 15] [--memory-gb 8] [--tag TAG]

The cases are shared among the properties as in CI (tests/test_fuzz.py's CASES),
each run in a fresh workspace by tests/fuzzing.py's check_case: exit 0, 2 (at
most three lines of stderr) or the stop before the optimisation; never a
traceback, an input changed, a temporary file left, or a file written short
of a completed run. Stops early at --minutes. Prints the count, how the cases
ended and every finding (grouped by property and problem, with one command
line each), and writes bench/results/<date>-fuzz{-TAG}.{json,md} with the CPU.
Run it niced: it keeps one core busy.
"""
import argparse
import collections
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import warnings  # noqa: E402

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzzing  # noqa: E402
from legacy_nst.io.atomic import atomic_write  # noqa: E402

SHARE = {"main": 100, "plausible": 80, "compare": 40, "sweep": 40, "spec": 60, "spec_bytes": 20, "image": 40,
         "mat": 6, "checkpoint": 40, "manifest": 20, "real": 4}  # as in CI, fewer .mat cases (80 MB each)


class Fuzz:
    """The properties, each drawing its cases and recording findings instead of failing."""

    def __init__(self, template, weights, deadline):
        self.template, self.weights, self.deadline = template, weights, deadline
        self.counts = collections.Counter()
        self.findings = collections.OrderedDict()  # (property, problem) -> [count, example]
        self.weights_bytes = Path(os.path.realpath(weights)).read_bytes()

    def case(self, name, argv, damage=None, may_write=(), real_runs=False):
        if time.monotonic() > self.deadline:
            return
        try:
            with fuzzing.workspace(self.template) as folder, fuzzing.stubs(self.weights, real_runs=real_runs):
                if damage is not None:
                    damage(folder)
                problems, status, lines = fuzzing.check_case(argv, folder, may_write=may_write)
        except Exception as exc:  # noqa: BLE001 -- an uncaught exception is a finding (a traceback for the user)
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            problems = [f"uncaught {type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}: "
                        f"{str(exc).splitlines()[0][:200] if str(exc) else ''}"]
            status, lines = "traceback", []
        self.counts[name, status] += 1
        for problem in problems:
            key = (name, problem.split(":")[0][:80] if problem.startswith("uncaught") else problem[:60])
            entry = self.findings.setdefault(key, [0, {"argv": argv, "problem": problem, "stderr": lines[:3],
                                                       "damage": getattr(damage, "how", None)}])
            entry[0] += 1

    def damager(self, names, how, original=None):
        def damage(folder):
            for name in names:
                fuzzing.write_damaged(folder / name, how[name], original)
        damage.how = {n: list(h) for n, h in how.items()}
        return damage


def properties(fuzz, counts, rng_seed):
    """The properties as hypothesis tests, each with its number of cases and the run's seed."""
    def run(name, strategy, body):
        @seed(rng_seed)
        @settings(max_examples=counts[name], database=None, deadline=None, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def test(value):
            body(value)
        return test

    def damaged(names_strategy, argv, may_write=(), original=None):
        @st.composite
        def draw(draw_):
            names = draw_(names_strategy)
            sizes = {n: len(original) if original else (fuzz.template / n).stat().st_size for n in names}
            return names, {n: draw_(fuzzing.damage(sizes[n])) for n in names}
        return draw(), lambda value: fuzz.case(name_of[0], argv, fuzz.damager(value[0], value[1], original),
                                               may_write)

    name_of = [None]
    sweep_writes = ("*manifest.jsonl", "*summary.md")
    plain = {"main": fuzzing.main_argv(), "plausible": fuzzing.plausible_argv(), "compare": fuzzing.compare_argv(),
             "sweep": fuzzing.sweep_argv()}
    for name, strategy in plain.items():
        yield name, run(name, strategy, lambda argv, n=name: fuzz.case(n, argv, may_write=sweep_writes
                                                                         if n == "sweep" else ()))
    yield "spec", run("spec", fuzzing.spec_tables(), lambda spec: fuzz.case(
        "spec", ["sweep", "spec.toml", "--out", "new-out", "--quiet"], _writer(fuzzing.to_toml(spec)), ("new-out/*",)))
    yield "real", run("real", fuzzing.real_argv(), lambda argv: fuzz.case("real", argv, may_write=("*",),
                                                                         real_runs=True))
    run_argv = ["--content", "content.png", "--style", "style.jpg", "--output", "out.png", "--weights",
                "weights.mat", "--width", "32", "--quiet"]
    damaged_cases = {
        "spec_bytes": (st.just(("spec.toml",)), ["sweep", "spec.toml", "--out", "new-out", "--quiet"], ("new-out/*",)),
        "image": (st.sampled_from((("content.png",), ("style.jpg",), ("content.bmp",))), run_argv, ()),
        "checkpoint": (st.sampled_from((("ck/state.json",), ("ck/state.previous.json",), ("ck/state-00002.npz",),
                                        ("ck/state-00001.npz",), ("ck/state-00002.npz", "ck/state-00001.npz"))),
                       ["--resume", "ck", "--quiet"], ()),
        "manifest": (st.just(("out-sweep/manifest.jsonl",)), ["sweep", "spec.toml", "--out", "out-sweep", "--quiet"],
                     ("out-sweep/*",)),
        "mat": (st.just(("weights.mat",)), run_argv, (), fuzz.weights_bytes)}
    for name, (names, argv, may_write, *original) in damaged_cases.items():
        strategy, body = damaged(names, argv, may_write, *original)

        def named(value, n=name, body=body):
            name_of[0] = n
            body(value)
        yield name, run(name, strategy, named)


def _writer(text):
    def write(folder):
        (folder / "spec.toml").write_text(text)
    write.how = text  # the spec, in the findings
    return write


def share(cases):
    total = sum(SHARE.values())
    return {name: max(1, round(cases * n / total)) for name, n in SHARE.items()}


def cpu_model():
    try:
        found = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in found.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return "unknown"


def report(fuzz, args, rng_seed, seconds, started):
    total = sum(fuzz.counts.values())
    findings = [{"property": key[0], "count": count, **example} for key, (count, example) in fuzz.findings.items()]
    return {"date": started.isoformat(timespec="seconds"), "cpu": cpu_model(), "cpus": os.cpu_count(),
            "cases": total, "asked": args.cases, "seed": rng_seed, "seconds": round(seconds, 1),
            "ended": {f"{name} {status}": n for (name, status), n in sorted(fuzz.counts.items(), key=str)},
            "findings": findings, "load_after": os.getloadavg()}


def markdown(result, tag):
    lines = [f"# Fuzz run{f' ({tag})' if tag else ''}, {result['date']}", "",
             f"CPU: {result['cpu']} ({result['cpus']} CPUs). `python bench/fuzz.py --cases {result['asked']} "
             f"--seed {result['seed']}`: **{result['cases']} cases** in {result['seconds']:.0f} s, "
             f"**{len(result['findings'])} findings**.", "", "| property and ending | cases |", "|---|---|"]
    lines += [f"| {k} | {n} |" for k, n in result["ended"].items()]
    lines += ["", "## Findings", ""] + ([f"- {f['property']} ({f['count']}x): {f['problem']}; e.g. "
                                          f"`{' '.join(map(str, f['argv']))}` damage {f['damage']} stderr "
                                          f"{f['stderr']}" for f in result["findings"]] or ["None."])
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--tag", default="")
    parser.add_argument("--shared", default=os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
    parser.add_argument("--memory-gb", type=float, default=8, help="address-space limit of this process: a case "
                        "that allocates without bound is a MemoryError finding, not the machine's OOM killer")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_AS, (int(args.memory_gb * 2 ** 30), resource.RLIM_INFINITY))
    warnings.filterwarnings("ignore")
    rng_seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    print(f"seed {rng_seed} (--seed {rng_seed} runs these cases again)", flush=True)
    shared = Path(args.shared)
    weights = shared / "weights" / "vgg19-approx.mat"
    started, clock = datetime.datetime.now(datetime.timezone.utc), time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fuzz-template-") as folder:
        template = fuzzing.make_template(folder, shared, weights)
        fuzzing.saved_run(template, weights)
        fuzzing.sweep_record(template)
        fuzz = Fuzz(template, weights, clock + args.minutes * 60)
        for name, test in properties(fuzz, share(args.cases), rng_seed):
            test()
            print(f"{name}: {sum(n for (p, _), n in fuzz.counts.items() if p == name)} cases, "
                  f"{sum(1 for p, _ in fuzz.findings if p == name)} findings", flush=True)
    result = report(fuzz, args, rng_seed, time.monotonic() - clock, started)
    print(markdown(result, args.tag))
    stem = REPO / "bench" / "results" / f"{started:%Y-%m-%d}-fuzz{'-' + args.tag if args.tag else ''}"
    atomic_write(stem.with_suffix(".json"), json.dumps(result, indent=1, default=str).encode())
    atomic_write(stem.with_suffix(".md"), markdown(result, args.tag).encode())
    return 1 if result["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
