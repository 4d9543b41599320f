"""Issue 31's probes, replayed as its reporter ran them, each in a fresh folder: what the command did, in a table.

    python bench/reliability_probes.py [--tag TAG]

Each probe runs the installed command line in a subprocess (a 32x24 run of 2 steps, or a sweep spec) and records
its exit status, the seconds it took, its last stderr line and whether the file it aimed at survived unchanged.
Root-only probes (a device node, a 2 MB tmpfs, a read-only mount) are skipped, with the reason, elsewhere. Writes
bench/results/<date>-probes{-TAG}.md with the CPU. It asserts nothing: tests/ hold the probes as tests; this is the
record a closing note quotes.
"""
import argparse
import contextlib
import datetime
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "legacy_nst.cli"]
RUN = ["--content", "content.png", "--style", "style.png", "--output", "out.png", "--width", "32",
       "--iterations", "2", "--quiet"]


def workspace() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="probe-"))
    rng = np.random.RandomState(0)
    for name in ("content.png", "style.png"):
        Image.fromarray(rng.randint(0, 256, (24, 32, 3), dtype=np.uint8)).save(folder / name)
    return folder


def run(argv, folder, seconds=300, wait=True):
    environment = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(COMMAND + argv, cwd=folder, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    if not wait:
        return process
    return finish(process, seconds)


def finish(process, seconds=300):
    started = time.monotonic()
    try:
        _, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        return "hung (killed)", time.monotonic() - started, ""
    lines = [line for line in err.splitlines() if line.strip()]
    return process.returncode, time.monotonic() - started, lines[-1] if lines else ""


def kind(path) -> str:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "absent"
    for test, name in ((stat.S_ISCHR, "char device"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISLNK, "symlink"),
                       (stat.S_ISDIR, "directory"), (stat.S_ISREG, "regular file")):
        if test(mode):
            return name
    return "other"


def special_output(option, make):
    """--OPTION at a special file made by `make(path)`: refused, the node kept."""
    def probe():
        folder = workspace()
        target = folder / ("target.png" if option == "--output" else "target.json")
        make(target)
        before = kind(target)
        argv = RUN + [option, target.name] if option != "--output" else RUN[:5] + [target.name] + RUN[6:]
        status, seconds, line = run(argv, folder, seconds=120)
        return status, seconds, line, f"{before} -> {kind(target)}"
    return probe


def special_input(option, make):
    def probe():
        folder = workspace()
        make(folder / "special")
        argv = RUN + ["--weights", "special"] if option == "--weights" else \
            [("special" if a == option.lstrip("-") + ".png" else a) for a in RUN]
        status, seconds, line = run(argv, folder, seconds=60)
        return status, seconds, line, kind(folder / "special")
    return probe


def mknod_char(path):
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # /dev/full's numbers


def loop(path):
    os.symlink(path.name, path)


@contextlib.contextmanager
def tmpfs(options):
    folder = Path(tempfile.mkdtemp(prefix="probe-mount-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def read_only_folder():
    folder = workspace()
    with tmpfs("ro,size=1m") as mount:
        argv = [a if a != "out.png" else str(mount / "out.png") for a in RUN]
        status, seconds, line = run(argv, folder)
        return status, seconds, line, kind(mount / "out.png")


def full_disk():
    folder = workspace()
    with tmpfs("size=2m") as mount:
        with contextlib.suppress(OSError), open(mount / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        argv = RUN + ["--log-json", str(mount / "log.json")]
        status, seconds, line = run(argv, folder)
        return status, seconds, line, f"out.png {kind(folder / 'out.png')}"


def wait_for(path, seconds=240):
    deadline = time.monotonic() + seconds
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def two_runs_one_folder():
    folder = workspace()
    long_run = [a if a != "2" else "400" for a in RUN] + ["--checkpoint-dir", "ck", "--checkpoint-every", "1"]
    first = run(long_run + ["--seed", "1"], folder, wait=False)
    wait_for(folder / "ck" / "run.lock")
    status, seconds, line = run(long_run + ["--seed", "2"], folder)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    return status, seconds, line, f"first run's PID {first.pid} named: {str(first.pid) in line}"


def saved_state_replaced():
    folder = workspace()
    long_run = [a if a != "2" else "300" for a in RUN] + ["--checkpoint-dir", "ck", "--checkpoint-every", "5"]
    first = run(long_run, folder, wait=False)
    wait_for(folder / "ck" / "state.json")
    time.sleep(1)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    saved = (folder / "ck" / "state.json").read_bytes()
    status, seconds, line = run(RUN + ["--checkpoint-dir", "ck"], folder)
    return status, seconds, line, f"state.json kept: {(folder / 'ck' / 'state.json').read_bytes() == saved}"


def users_files_in_checkpoint_folder():
    folder = workspace()
    theirs = {"00000.png": b"a user's picture", "state-99999.npz": b"a user's array"}
    for name, data in theirs.items():
        (folder / name).write_bytes(data)
    status, seconds, line = run(RUN + ["--checkpoint-dir", ".", "--checkpoint-every", "1"], folder)
    kept = all((folder / name).exists() and (folder / name).read_bytes() == data for name, data in theirs.items())
    return status, seconds, line, f"user's 00000.png and state-99999.npz kept: {kept}"


def sweep_spec(axes, base=""):
    folder = workspace()
    (folder / "spec.toml").write_text(f'[base]\ncontent = "content.png"\nstyle = "style.png"\nwidth = 32\n'
                                      f'iterations = 2\n{base}\n[axes]\n{axes}\n')
    return folder


def million_jobs():
    hundred = "[" + ", ".join(str(n) for n in range(1, 101)) + "]"
    folder = sweep_spec(f"seed = {hundred}\nalpha = {hundred}\nbeta = {hundred}")
    status, seconds, line = run(["sweep", "spec.toml", "--out", "s"], folder, seconds=120)
    return status, seconds, line, f"s/ {kind(folder / 's')}"


def interrupt_ten_thousand_jobs():
    hundred = "[" + ", ".join(str(n) for n in range(1, 101)) + "]"
    folder = sweep_spec(f"seed = {hundred}\nalpha = {hundred}")
    process = run(["sweep", "spec.toml", "--out", "s", "--jobs", "1"], folder, wait=False)
    wait_for(folder / "s" / "manifest.json", seconds=180)
    time.sleep(5)
    os.killpg(process.pid, signal.SIGINT)
    status, seconds, line = finish(process, seconds=60)
    return status, seconds, line, "seconds from SIGINT to exit"


def value(argv, command="run"):
    def probe():
        folder = workspace()
        full = (["score", "content.png", "style.png", "out.png", "--width", "32"]
                if command == "score" else RUN) + argv
        if command == "score":
            Image.open(folder / "content.png").save(folder / "out.png")
        status, seconds, line = run(full, folder)
        return status, seconds, line, ""
    return probe


def nan_in_spec():
    folder = sweep_spec('seed = [1, 2]', base="alpha = nan")
    status, seconds, line = run(["sweep", "spec.toml", "--out", "s"], folder)
    return status, seconds, line, f"s/ {kind(folder / 's')}"


ROOT_ONLY = "needs root (mknod, mount)"
PROBES = [
    ("--log-json at a character device (mknod c 1 7)", special_output("--log-json", mknod_char), ROOT_ONLY),
    ("--log-json at a FIFO", special_output("--log-json", os.mkfifo), None),
    ("--output at a FIFO", special_output("--output", os.mkfifo), None),
    ("--output at a character device", special_output("--output", mknod_char), ROOT_ONLY),
    ("--weights is a FIFO", special_input("--weights", os.mkfifo), None),
    ("--content is a FIFO", special_input("--content", os.mkfifo), None),
    ("--style is a symlink loop", special_input("--style", loop), None),
    ("output folder on a read-only mount", read_only_folder, ROOT_ONLY),
    ("--log-json on a full 2 MB tmpfs", full_disk, ROOT_ONLY),
    ("two runs in one checkpoint folder", two_runs_one_folder, None),
    ("a saved state, same command without --resume", saved_state_replaced, None),
    ("--checkpoint-dir . beside a user's 00000.png and state-99999.npz", users_files_in_checkpoint_folder, None),
    ("a million-job sweep spec", million_jobs, None),
    ("Ctrl-C on a 10,000-job sweep", interrupt_ten_thousand_jobs, None),
    ("--tv-weight nan", value(["--tv-weight", "nan"]), None),
    ("--alpha nan", value(["--alpha", "nan"]), None),
    ("--alpha inf", value(["--alpha", "inf"]), None),
    ("--alpha 1e30", value(["--alpha", "1e30"]), None),
    ("--style-layers conv1_1:nan", value(["--style-layers", "conv1_1:nan"]), None),
    ("score --alpha nan", value(["--alpha", "nan"], command="score"), None),
    ("a sweep spec with alpha = nan", nan_in_spec, None),
]


def cpu_name() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="")
    parser.add_argument("--only", help="run the probes whose name contains this text")
    args = parser.parse_args()
    rows = []
    for name, probe, needs in PROBES:
        if args.only and args.only not in name:
            continue
        if needs and os.geteuid() != 0:
            rows.append((name, "skipped", "", needs, ""))
            continue
        status, seconds, line, detail = probe()
        rows.append((name, status, f"{seconds:.1f}", line.replace("|", "/"), detail))
        print(f"{name}: exit {status} in {seconds:.1f} s; {line} ({detail})", flush=True)
    date = datetime.date.today().isoformat()
    table = ["| probe | exit | s | last line on stderr | what happened to the target |", "|---|---|---|---|---|"]
    table += [f"| {' | '.join(str(cell) for cell in row)} |" for row in rows]
    text = (f"# Issue 31's probes, {date}\n\n`python bench/reliability_probes.py`, on {cpu_name()} "
            f"(`lscpu`), as uid {os.geteuid()}.\n\n" + "\n".join(table) + "\n")
    out = REPO / "bench" / "results" / f"{date}-probes{'-' + args.tag if args.tag else ''}.md"
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
