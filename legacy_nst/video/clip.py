"""What a clip's frames share, so that a frame pays for its own work only: one prepared run per recipe (the first
frame's, the later frames'; run.prepare.with_content puts each frame's content in) and the later frames' engine,
kept and reloaded frame after frame (engines.kept: the graph engine; the others are built again per frame).

The first frame's engine is not kept: its recipe (--iterations, --multiscale, no temporal term) builds another
network than the later frames', which all run one level at the working size with the temporal term. A later
frame whose temporal term has another form (fewer earlier frames at the clip's start under --temporal-frames
1,2,4) builds the engine again; from then on it is reloaded.
"""
from ..engines.kept import KeptEngine
from ..run.prepare import prepare, with_content


class SharedByFrames:
    """The prepared runs and the kept engine of one clip's run (video.run._stylise_clip); close() frees the
    engine (a `with` block's end does)."""

    def __init__(self, setup, vgg, styles_rgb):
        self.setup, self.vgg, self.styles_rgb = setup, vgg, styles_rgb
        self.prepared = {}  # {is the first frame: Prepared}
        self.engines = KeptEngine()

    def prepared_for(self, position, content_rgb):
        """The frame's prepared run: its recipe's, with its content."""
        first = position == 0
        if first not in self.prepared:
            config = self.setup.config if first else self.setup.later
            self.prepared[first] = prepare(content_rgb, self.styles_rgb, config, vgg=self.vgg)
            return self.prepared[first]
        return with_content(self.prepared[first], content_rgb)

    def engines_for(self, position):
        """The later frames' KeptEngine; None for the first frame (a new engine for each of its levels)."""
        return None if position == 0 else self.engines

    def close(self):
        self.engines.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
