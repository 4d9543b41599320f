#!/usr/bin/env bash
# Install, make sure the VGG-19 weights are there, and stylise one image.
#   bash scripts/quickstart.sh [CONTENT STYLE OUTPUT] [more legacy-nst options]
# Weights: $LEGACY_NST_WEIGHTS if set, else weights/imagenet-vgg-verydeep-19.mat,
# downloaded (about 510 MB, sha256-checked, resumable) when missing.
# The recipe: --preset fast (art.py's objective, bfloat16 L-BFGS with a float32 finish) from the
# content image at 512 px wide, chosen by looking at the result (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
shared="${LEGACY_NST_SHARED:-../shared}"
content="${1:-$shared/images/tubingen.jpg}"
style="${2:-$shared/images/starry_night.jpg}"
output="${3:-out/$(basename "${content%.*}")-$(basename "${style%.*}").png}"
shift $(( $# < 3 ? $# : 3 ))
weights="${LEGACY_NST_WEIGHTS:-weights/imagenet-vgg-verydeep-19.mat}"
if [ ! -f "$weights" ]; then
    .venv/bin/legacy-nst weights download --dest "$(dirname "$weights")"
fi
mkdir -p "$(dirname "$output")"
.venv/bin/legacy-nst --content "$content" --style "$style" --output "$output" --weights "$weights" \
    --preset fast --init content --width 512 --log-json "${output%.*}.json" "$@"
