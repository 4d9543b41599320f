"""A video run's frames folder (--frames-dir): the stylised frames, the flows and weights, and its manifest.

Each stylised frame is `out-NNNNN.png` (N: the frame's index in the clip, from 0), written atomically, so a
frame whose PNG exists is done whatever killed the run; its losses go to `out-NNNNN.json` just before. The flows
and their weights have Ruder's names (motion.cache). `video.json`, the manifest, says which run the folder is
of (the clip's checksum, frame count and rate, the frames chosen, the working size, the styles' and weights'
checksums and every option that changes the result): --resume is refused on another run's folder, a run
without --resume on a folder that holds one. `video.lock` keeps one run at a time in the folder.
"""
import hashlib
import json
import os
import re
from pathlib import Path

from ..config import Config, fields_with
from ..config.groups.video import VIDEO_FIELDS, VideoOptions
from ..config.roles import RESULT, names_with
from ..errors import ConfigError, NSTError
from ..io.atomic import atomic_write, check_folder_writable
from ..io.checksums import sha256_file
from ..io.lock import FolderLock
from ..motion.files import read_flo, read_pgm

MANIFEST = "video.json"
LOCK = "video.lock"
FORMAT = 1
_OURS = re.compile(r"^(out-\d{5,}\.(png|json)|(forward|backward)_\d+_\d+\.flo|reliable_\d+_\d+\.pgm|video\.json)$")
_FLOW = re.compile(r"^(forward|backward)_\d+_\d+\.flo$")
_WEIGHTS = re.compile(r"^reliable_\d+_\d+\.pgm$")


def default_frames_dir(output, clip_is_pattern=False) -> Path:
    """OUTPUT's name + '-frames' beside it (out.mp4 -> out-frames); an image pattern's folder + '-frames'."""
    output = Path(os.path.abspath(output))
    if clip_is_pattern:
        return output.parent.with_name(output.parent.name + "-frames")
    return output.with_name(output.stem + "-frames")


def clip_checksum(clip) -> str:
    """sha256 of the video file, or of an image sequence's files one after the other (as chained digests)."""
    if not clip.is_pattern:
        return sha256_file(clip.source)
    digest = hashlib.sha256()
    for index in range(clip.frame_count):
        digest.update(sha256_file(clip.frame_path(index)).encode())
    return digest.hexdigest()


def result_options(config, video) -> dict:
    """The options that change the frames: Config's and VideoOptions' tagged RESULT, as JSON values."""
    config_json, video_json = config.to_json(), video.to_json()
    options = {name: config_json[name] for name in fields_with(RESULT)}
    options.update({name: video_json[name] for name in names_with(VIDEO_FIELDS.values(), RESULT)})
    return json.loads(json.dumps(options))


class FramesDir:
    """The frames folder of one run: its file names, its state, its manifest and its lock."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def frame(self, index) -> Path:
        return self.folder / f"out-{index:05d}.png"

    def losses(self, index) -> Path:
        return self.folder / f"out-{index:05d}.json"

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def lock(self) -> FolderLock:
        return FolderLock(self.folder, LOCK, "--frames-dir", "video run", "run", make=True)

    def ours(self):
        """The files of a run in the folder (frames, losses, flows, weights, manifest), by name."""
        if not self.folder.is_dir():
            return []
        return sorted(path for path in self.folder.iterdir() if _OURS.match(path.name) and path.is_file())

    def check(self, resume, overwrite):
        """Before any work: the folder can be written, and holds a run only when --resume or --overwrite says."""
        check_folder_writable(self.folder, f"--frames-dir {self.folder}", "give another --frames-dir")
        if self.folder.exists() and not self.folder.is_dir():
            raise NSTError(f"--frames-dir {self.folder}: is a file, not a folder; give a folder")
        if resume and overwrite:
            raise ConfigError("--resume continues the frames kept, --overwrite deletes them; give one of them")
        holds_run = self.manifest_path.is_file() or any(p.suffix == ".png" for p in self.ours())
        if resume and not self.manifest_path.is_file():
            raise NSTError(f"--resume: {self.folder} holds no video run (no {MANIFEST}); run without --resume, or "
                           f"give the run's --frames-dir")
        if holds_run and not (resume or overwrite):
            raise NSTError(f"--frames-dir {self.folder}: holds the frames of a run; continue it with --resume, start "
                           f"afresh with --overwrite, or give another --frames-dir")
        self.lock().check_free()

    def check_flows(self, size_hw):
        """Every flow and weights file in the folder is of the working size (height, width): one line if not."""
        for path in self.ours():
            reader = read_flo if _FLOW.match(path.name) else read_pgm if _WEIGHTS.match(path.name) else None
            if reader is None:
                continue
            try:
                reader(path, size_hw)
            except NSTError as error:
                raise NSTError(f"--frames-dir: {error}; or delete it to have it computed again") from None

    def check_manifest(self, manifest):
        """--resume: the folder's manifest is this run's; one line naming the first difference if not."""
        saved = self.read_manifest()
        if saved.get("segments") != manifest.get("segments"):  # first: a --workers run's manifest has no weights
            raise ConfigError(f"--resume {self.folder}: its run was cut into other segments by --workers "
                              f"({saved.get('segments') or 'none: one process'}); give the run's --workers and "
                              f"--overlap, or start afresh with --overwrite")
        for key, what in (("clip", "clip"), ("styles", "style images"), ("weights", "weights")):
            if saved.get(key) != manifest[key]:
                differs = _differs(saved.get(key), manifest[key])
                raise NSTError(f"--resume {self.folder}: its frames are of another {what} ({differs}); give the "
                               f"run's {what}, or another --frames-dir")
        if saved.get("size") != manifest["size"]:
            raise NSTError(f"--resume {self.folder}: its frames are {saved.get('size')} (height, width), this run's "
                           f"{manifest['size']}; give the run's size options, or another --frames-dir")
        defaults = result_options(Config(), VideoOptions())  # an option added since the folder's run: its default
        for name, value in manifest["options"].items():
            if saved.get("options", {}).get(name, defaults.get(name)) != value:
                flag = "--" + name.replace("_", "-")
                raise ConfigError(f"--resume {self.folder}: the run used {flag} {saved['options'].get(name)}, not "
                                  f"{value}; give the run's {flag}, or start afresh with --overwrite")

    def read_manifest(self) -> dict:
        try:
            saved = json.loads(self.manifest_path.read_text())
        except (OSError, ValueError) as error:
            raise NSTError(f"{self.manifest_path}: cannot be read ({error}); start afresh with --overwrite") from None
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            raise NSTError(f"{self.manifest_path}: not a video run's manifest; start afresh with --overwrite")
        return saved

    def write_manifest(self, manifest):
        atomic_write(self.manifest_path, json.dumps(manifest, indent=1).encode())

    def clear(self):
        """--overwrite: delete the files of the run the folder holds (nothing else)."""
        for path in self.ours():
            path.unlink(missing_ok=True)


def _differs(saved, now) -> str:
    """What differs between two manifest entries, in a few words."""
    if isinstance(saved, dict) and isinstance(now, dict):
        keys = [key for key in now if saved.get(key) != now.get(key)]
        return "its " + ", ".join(keys) + " differ" + ("s" if len(keys) == 1 else "")
    return "its checksum differs"
