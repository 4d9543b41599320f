#!/usr/bin/env bash
# Install, make sure the VGG-19 weights are there, and stylise one image.
#   bash scripts/quickstart.sh [CONTENT [STYLE [OUTPUT]]] [more legacy-nst options]
# Weights: the rule every command follows (docs/weights.md): --weights PATH among the options, else
# $LEGACY_NST_WEIGHTS, else weights/imagenet-vgg-verydeep-19.mat, downloaded here (about 510 MB, sha256-checked,
# resumable) when missing, else, with no network to download it, the approximate weights of the shared folder
# ($LEGACY_NST_SHARED, else ../shared: weights/vgg19-approx.mat), said so in one line ('legacy-nst weights locate').
# The recipe: neural_style.lua's objective (--preset jcjohnson) reached with the fast schedule (bfloat16
# L-BFGS at half size, then full size, a float32 finish: --schedule fast) from the content image at 512 px
# wide: Tuebingen's houses, windows and river under Starry Night's strokes (docs/quickstart.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
shared="${LEGACY_NST_SHARED:-../shared}"
images=()  # up to three leading arguments that are not options
while [ $# -gt 0 ] && [ ${#images[@]} -lt 3 ] && [[ "$1" != -* ]]; do images+=("$1"); shift; done
content="${images[0]:-$shared/images/tubingen.jpg}"
style="${images[1]:-$shared/images/starry_night.jpg}"
output="${images[2]:-out/$(basename "${content%.*}")-$(basename "${style%.*}").png}"
given=no  # weights given among the options: legacy-nst checks them itself
for option in "$@"; do
    case "$option" in --weights|--weights=*) given=yes ;; esac
done
weights=()
if [ "$given" = no ]; then
    path="$(LEGACY_NST_SHARED="$shared" .venv/bin/legacy-nst weights locate --download)"
    weights=(--weights "$path")
fi
mkdir -p "$(dirname "$output")"
.venv/bin/legacy-nst --content "$content" --style "$style" --output "$output" "${weights[@]}" \
    --preset jcjohnson --schedule fast --init content --width 512 --log-json "${output%.*}.json" "$@"
