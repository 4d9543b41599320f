"""How TensorFlow runs on this machine: the session settings and bfloat16 support.

The convolutions run on the CPU through oneDNN. bfloat16 pays off only where
the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16); elsewhere
TensorFlow emulates it and it is slower than float32, so `resolve_precision`
falls back to float32 and says why.
"""
import os
import sys

import tensorflow as tf

tf1 = tf.compat.v1

BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo names of native bfloat16 arithmetic


def session_config():
    """TensorFlow's default session: measured, nothing else was faster.

    bench/session_ablation.py alternates Adam steps between sessions with
    inter-op threads 1 or TensorFlow's default, and grappler's constant folding on
    or off: all four within 1% per step at 256x256, and no set-up difference
    beyond noise (bench/results/2026-11-22-session.json). Turning all of grappler
    off made steps about 1.6x slower (it does oneDNN's fusions).
    """
    return tf1.ConfigProto()


def cpu_flags():
    """The CPU feature flags of /proc/cpuinfo (empty where there is none, e.g. not Linux)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def bfloat16_unsupported_reason():
    """None when bfloat16 convolutions can run natively here, else why not (one phrase)."""
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() in ("0", "false"):
        return "TF_ENABLE_ONEDNN_OPTS=0 turns off oneDNN, which runs TensorFlow's bfloat16 convolutions"
    flags = cpu_flags()
    if not flags & set(BF16_FLAGS):
        return f"this CPU does not report {' or '.join(BF16_FLAGS)} in /proc/cpuinfo"
    return None


def effective_precision(precision):
    """The precision a run with `precision` actually computes in (for the log)."""
    return "float32" if precision == "bfloat16" and bfloat16_unsupported_reason() is not None else precision


def resolve_precision(precision, stream=None):
    """The precision to run: `precision`, or float32 with a one-line note when bfloat16 cannot run natively."""
    if precision != "bfloat16":
        return precision
    reason = bfloat16_unsupported_reason()
    if reason is None:
        return precision
    print(f"legacy-nst: note: --precision bfloat16 needs native bfloat16 arithmetic, but {reason}; "
          "running float32 instead", file=stream or sys.stderr, flush=True)
    return "float32"
