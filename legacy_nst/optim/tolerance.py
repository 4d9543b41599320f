"""Ruder's relative-tolerance stop (--tol-loss-relative, --tol-loss-relative-interval): a loop ends when the total
loss has changed by less than a fraction of itself over the last interval of steps.

manuelruder/artistic-videos passes its -tol_loss_relative (default 1e-4) and -tol_loss_relative_interval
(default 50) as tolFunRelative and tolFunRelativeInterval to its modified optim.lbfgs (lbfgs.lua; the options in
artistic_video.lua, the call in artistic_video_core.lua's runOptimization; its Adam loop never stops early). After
each iteration nIter (counted from 1 in the call) with loss f, lbfgs.lua does:

    if nIter % tolFunRelativeInterval == 0 then
      if f_past ~= nil and (abs(f - f_past) / f_past) < tolFunRelative then break end
      f_past = f
    end

so the first comparison is at 2 intervals (against the loss after 1 interval), then every interval, always
against the loss one interval back. Here the loss is the entry's total (every term, the temporal one included,
as his `f` sums the content, temporal and style modules), the steps are counted from the loop's start (a resumed
level or a float32 part after a bfloat16 one counts afresh, as each of his optimize calls does), and both loops
follow it: L-BFGS ends at that entry, as his; the first-order loop, whose step from that entry is already taken,
ends one entry later (its image and state stay each other's).
"""
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class RelativeTolerance:
    """The rule's settings: stop when |f - f_past| / f_past < `tolerance`, checked every `interval` steps."""

    tolerance: float
    interval: int

    def watch(self) -> "LossWatch":
        """A fresh watch for one loop."""
        return LossWatch(self)


class LossWatch:
    """The rule applied to one loop's losses, fed entry by entry."""

    def __init__(self, rule: RelativeTolerance):
        self.rule = rule
        self.past = None

    def check(self, steps, loss) -> Optional[str]:
        """After `steps` steps (from 1) with total `loss`: why to stop now (a line for the log), or None."""
        if steps % self.rule.interval != 0:
            return None
        past, self.past = self.past, float(loss)
        if past is None:
            return None
        change = abs(loss - past) / past if past else (0.0 if loss == past else float("inf"))
        if change < self.rule.tolerance:
            return (f"the loss changed by {change:.3g} of itself over the last {self.rule.interval} steps, below "
                    f"--tol-loss-relative {self.rule.tolerance:g}: stopped at step {steps}")
        return None


def relative_tolerance(config) -> Optional[RelativeTolerance]:
    """The rule a Config asks for, or None when --tol-loss-relative is 0 (off, the default)."""
    if not config.tol_loss_relative:
        return None
    return RelativeTolerance(config.tol_loss_relative, config.tol_loss_relative_interval)
