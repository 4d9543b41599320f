#!/usr/bin/env bash
# Create .venv beside the checkout and install legacy_nst with its test extra.
#   bash scripts/install.sh [EXTRAS]    EXTRAS: setup.py's extras, comma-separated (default: test; CI: test,tensorboard)
set -euo pipefail
extras="${1:-test}"
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[$extras]"
echo "installed: $(.venv/bin/python -c 'import legacy_nst, tensorflow as tf; print("legacy_nst", legacy_nst.__version__, "tensorflow", tf.__version__)' 2>/dev/null)"
