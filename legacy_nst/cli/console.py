"""The `legacy-nst` console script: quiet TensorFlow's native logs, then run the command line."""
import os
import sys


def silence_native_stderr():
    """Send what C++ libraries write to fd 2 (TensorFlow's start-up banners) to /dev/null.

    Python's sys.stderr keeps writing to the real stream, so our messages,
    progress bars and tracebacks still show. LEGACY_NST_NATIVE_LOGS=1 keeps
    TensorFlow's own logging for debugging.
    """
    if os.environ.get("LEGACY_NST_NATIVE_LOGS") == "1":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        sys.stderr.flush()
        real = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(real, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")
    except (OSError, ValueError, AttributeError):
        pass  # no usable fd 2 (embedded interpreter): leave stderr as it is


def console_main():
    """Entry point of the console script and of `python -m legacy_nst.cli`."""
    silence_native_stderr()
    from .main import main  # only now: TensorFlow, imported with it, must find fd 2 already redirected

    return main()


if __name__ == "__main__":
    sys.exit(console_main())
