"""How TensorFlow runs on this machine: session thread pools and bfloat16 support.

The convolutions run on the CPU through oneDNN. bfloat16 pays off only where
the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16); elsewhere
TensorFlow emulates it and it is slower than float32, so `resolve_precision`
falls back to float32 and says why.
"""
import os
import sys

import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2

tf1 = tf.compat.v1

BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo names of native bfloat16 arithmetic


def usable_cores():
    """Cores this process may run on (its CPU affinity), not the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def session_config():
    """Thread pools sized for this process, and no constant folding.

    The graph is one chain of large convolutions: one op at a time using every
    usable core (inter-op 1) keeps two ops from competing for the same cores.
    Grappler's constant folding re-examines the ~80 MB of VGG constants for every
    new set of fetches (each costs seconds at set-up) and folds nothing that
    makes a step faster; the other graph rewrites (oneDNN fusions) stay on.
    """
    config = tf1.ConfigProto(intra_op_parallelism_threads=usable_cores(), inter_op_parallelism_threads=1)
    config.graph_options.rewrite_options.constant_folding = rewriter_config_pb2.RewriterConfig.OFF
    return config


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
