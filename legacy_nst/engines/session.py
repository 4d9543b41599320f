"""How TensorFlow runs on this machine: the session settings and bfloat16 support.

The convolutions run on the CPU through oneDNN. bfloat16 pays off only where
the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16); elsewhere
TensorFlow emulates it and it is slower than float32, so `runnable_precision`
falls back to float32 and says why (run.plan decides it once per run).
"""
import os

import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2

tf1 = tf.compat.v1

BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo names of native bfloat16 arithmetic
# grappler's rewrites that no step here runs faster for (bench/session_ablation.py); each costs set-up
REWRITES_OFF = ("layout_optimizer", "constant_folding", "shape_optimization", "common_subgraph_elimination",
                "arithmetic_optimization", "loop_optimization", "function_optimization", "debug_stripper",
                "pin_to_host_optimization", "implementation_selector")


def session_config(precision="float32", training=False):
    """The session for `precision`: only the grappler rewrites that pay for themselves here.

    Grappler rewrites the graph at every new session-run signature (each target
    run, the first evaluation), copying the ~80 MB of VGG-19 constants through
    every pass: about 2 s per engine at 400x300, paid again by each --multiscale
    level and by a --float32-finish. Two rewrites make steps faster and stay: the
    dependency optimizer where a tf.compat.v1 train op runs (`training`: without
    it an Adam step takes 1.5x as long; L-BFGS's fed evaluations do not need it)
    and, in bfloat16, the remapper's fused convolutions (1.1x). The others changed
    no step's time. oneDNN's own layout pass is not grappler and runs regardless.
    Measured in bench/session_ablation.py (docs/performance.md).
    """
    config = tf1.ConfigProto()
    rewrites = config.graph_options.rewrite_options
    if precision == "float32" and not training:
        rewrites.disable_meta_optimizer = True
        return config
    off = REWRITES_OFF + (() if training else ("dependency_optimization",)) + \
        (("remapping",) if precision == "float32" else ())
    for name in off:
        setattr(rewrites, name, rewriter_config_pb2.RewriterConfig.OFF)
    rewrites.memory_optimization = rewriter_config_pb2.RewriterConfig.NO_MEM_OPT
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


def runnable_precision(precision):
    """(the precision a run with `precision` computes in, None or the one-line note why not bfloat16):
    float32 when bfloat16 cannot run natively here."""
    reason = bfloat16_unsupported_reason() if precision == "bfloat16" else None
    if reason is None:
        return precision, None
    return "float32", (f"--precision bfloat16 needs native bfloat16 arithmetic, but {reason}; "
                       "running float32 instead")
