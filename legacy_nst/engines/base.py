"""The seam between a Problem and the optimisation loops: what every engine provides.

An engine evaluates a Problem's loss. The loops in legacy_nst.optim consume
only this interface: `compute_loss_and_grads` (the Keras example's seam, which
L-BFGS drives) and a `Stepper` (a first-order optimizer on the image). Each
engine also says which options it cannot honour (`unsupported`), so a run is
refused in one place (engines.check_supported) with one line naming them.
"""
import numpy as np

from ..errors import ConfigError
from ..losses.terms import LOSS_NAMES


def loss_values(losses):
    """Loss values (fetched arrays or eager tensors) as floats, in LOSS_NAMES order: what every engine returns."""
    return {name: float(losses[name]) for name in LOSS_NAMES if name in losses}


class Engine:
    """Loss and gradient of one Problem at any image; built with (problem, vgg, config, precision)."""

    #: the --backend names this engine serves
    backends = ()
    #: what follows the refused flags in the one-line error: why, and the fix
    refusal = "not available with this engine; drop them"
    #: whether a run on this engine can be saved and continued with --resume (its optimizer state is kept)
    resumable = True
    #: whether `reload` can give the engine another problem of the same form (engines.kept: a clip's frames)
    reloadable = False

    @classmethod
    def unsupported(cls, config, resuming=False):
        """The options of `config` this engine cannot honour, as the flags a user typed ([] if none)."""
        return []

    @classmethod
    def for_level(cls, problem, vgg, config, level, on_tile=None):
        """The engine as run.plan's `level` says (its precision; a tiled engine also its tile and halo)."""
        return cls(problem, vgg, config, level.precision)

    @classmethod
    def network_graph(cls, vgg, config, level):
        """The network this engine builds for run.plan's `level`, as a tf.compat.v1 GraphDef for TensorBoard's
        Graphs tab, or None when it builds no graph of its own (the eager engines, the tiled ones)."""
        return None

    def reload(self, problem, config, level):
        """Take `problem` (of the same form as the engine's: problem.same_form) in place of the engine's own,
        as a new engine for_level(problem, vgg, config, level) would compute it; False when it cannot (a new
        engine is then built). Only engines whose class says `reloadable` implement it."""
        return False

    def compute_loss_and_grads(self, image):
        """({'total', 'content', 'style'[, 'tv']: float}, float32 gradient of 'total') at a (1, H, W, 3) image."""
        raise NotImplementedError

    def evaluate(self, image):
        """The losses alone at a (1, H, W, 3) image, as compute_loss_and_grads gives them (no gradient taken
        where the engine can avoid it)."""
        return self.compute_loss_and_grads(image)[0]

    def evaluate_terms(self, image):
        """(the losses as evaluate gives them, each term's unweighted value in objective.terms order) at a
        (1, H, W, 3) image; None from an engine that cannot tell its terms apart."""
        return None

    def stepper(self, config):
        """A first-order optimizer (config.optimizer) starting at the problem's start image."""
        raise NotImplementedError

    def close(self):
        """Free what the engine holds (a session, a model)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Stepper:
    """One optimizer on the image: `step()` and `evaluate()` return (losses, image).

    A step's losses and image are those its gradient was taken at (the image
    before the step), so entry i of a run is the image after i steps.
    """

    #: whether variables() is the full state (image and optimizer slots) that --resume can continue from
    resumable = False

    def step(self):
        raise NotImplementedError

    def evaluate(self):
        raise NotImplementedError

    def variables(self):
        """{name: array}: 'input' (the current image) and the optimizer's variables."""
        raise NotImplementedError

    def restore(self, variables):
        """Load `variables` (as returned by variables(), possibly from disk)."""
        raise NotImplementedError


def check_restorable(saved, current, where):
    """Raise ConfigError unless `saved` has exactly the names and shapes of `current` ({name: array})."""
    if sorted(current) != sorted(saved):
        raise ConfigError(f"--resume {where}: the saved state holds {sorted(saved)}, this run needs "
                          f"{sorted(current)}; start afresh without --resume")
    for name, value in current.items():
        if tuple(np.shape(saved[name])) != tuple(np.shape(value)):
            raise ConfigError(f"--resume {where}: saved {name} has shape {np.shape(saved[name])}, this run "
                              f"needs {tuple(np.shape(value))}; start afresh without --resume")
