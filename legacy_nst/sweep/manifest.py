"""What a sweep did, on disk: manifest.jsonl (one line per job) and summary.md (a table).

Both are rewritten whole, atomically, whenever a job finishes, so a reader or
a killed driver never leaves half a file.
"""
import json
from pathlib import Path

from .pipeline import NotRegularFile, NSTError, atomic_write, read_regular

MANIFEST = "manifest.jsonl"
SUMMARY = "summary.md"
STATUSES = ("completed", "skipped", "failed", "interrupted")
REWRITE = "move it away or delete it (the sweep writes it again from the job folders), then rerun"


def entry(job, result: dict) -> dict:
    """One manifest line: the job's id, options and axis values with what its run reported (the seed it ran
    with included: the job's own, or the one derived from its id)."""
    return {"id": job.id, "status": result["status"], "error": result.get("error"), "values": job.values,
            "options": job.options, "output": result.get("output"), "losses": result.get("losses"),
            "steps": result.get("steps"), "resumed_from": result.get("resumed_from"), "threads": result.get("threads"), "seconds": result.get("seconds"),
            "host": result.get("host"), "seed": result.get("seed")}


def read(out_dir) -> dict:
    """The previous manifest's entries by id (empty when there is none); a damaged one is a one-line NSTError
    (the manifest is always written whole, so damage is not a torn write to skip over)."""
    path = Path(out_dir) / MANIFEST
    try:
        lines = read_regular(path).decode("utf-8").splitlines()
    except FileNotFoundError:
        return {}
    except NotRegularFile as exc:
        raise NSTError(f"{exc}; {REWRITE}") from None
    except OSError as exc:
        raise NSTError(f"{path}: cannot be read ({exc.strerror or exc}); make it readable, then rerun") from None
    except UnicodeDecodeError as exc:
        raise NSTError(f"{path}: is damaged ({_one_line(exc)}); {REWRITE}") from None
    entries = {}
    for number, line in enumerate(lines, 1):
        try:
            item = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise NSTError(f"{path}: line {number} is damaged ({_one_line(exc)}); {REWRITE}") from None
        if not _is_entry(item):
            raise NSTError(f"{path}: line {number} is damaged (not a job entry); {REWRITE}")
        entries[item["id"]] = item
    return entries


def _is_entry(item) -> bool:
    """The fields a rerun takes from a previous entry, with their types."""
    return (isinstance(item, dict) and isinstance(item.get("id"), str)
            and (item.get("seconds") is None or type(item["seconds"]) in (int, float))
            and (item.get("host") is None or isinstance(item["host"], str)))


def _one_line(exc):
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:120]}"


def write(out_dir, entries: list):
    """manifest.jsonl and summary.md for `entries` (in the spec's job order)."""
    out_dir = Path(out_dir)
    atomic_write(out_dir / MANIFEST, "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries).encode())
    atomic_write(out_dir / SUMMARY, summary(entries).encode())


def format_value(name, value):
    """An axis value for a table or a log line: images by file name, numbers short."""
    if isinstance(value, list):
        return "+".join(format_value(name, v) for v in value)
    if name in ("content", "style", "init"):
        return Path(str(value)).name
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def summary(entries) -> str:
    axes = list(dict.fromkeys(name for e in entries for name in e["values"]))
    counts = {status: sum(e["status"] == status for e in entries) for status in STATUSES}
    lines = ["# Sweep summary", "",
             ", ".join(f"{n} {status}" for status, n in counts.items() if n) + f" of {len(entries)} jobs", "",
             "| id | " + " | ".join(axes) + " | status | total loss | steps | seconds | host | output |",
             "|---" * (len(axes) + 7) + "|"]
    for e in entries:
        total = (e.get("losses") or {}).get("total")
        status = e["status"] + (f": {e['error']}" if e.get("error") else "")
        cells = [e["id"], *(format_value(a, e["values"].get(a, "")).replace("|", "\\|") for a in axes), status.replace("|", "\\|"),
                 "" if total is None else f"{total:.4g}", "" if e.get("steps") is None else str(e["steps"]),
                 "" if e.get("seconds") is None else f"{e['seconds']:.1f}", e.get("host") or "",
                 Path(e["output"]).name if e.get("output") else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
