#!/usr/bin/env bash
# Install if needed, make sure the VGG-19 weights are there, and stylise one image; say how long it took, and on
# which CPU.
#   bash scripts/quickstart.sh [CONTENT [STYLE [OUTPUT]]] [more legacy-nst options]
# Install: only when .venv has no legacy_nst or setup.py is newer than the last install, in one line (pip's own
# output goes to .venv/install.log, shown only when the install fails).
# Output: OUTPUT, else out/CONTENT-STYLE[-OPTIONS].png, named after the options that change the image
# (--width 128 -> out/tubingen-starry_night-width128.png); an existing output is kept unless --overwrite is given.
# Weights: the rule every command follows (docs/weights.md): --weights PATH among the options, else
# $LEGACY_NST_WEIGHTS, else weights/imagenet-vgg-verydeep-19.mat, downloaded here (about 510 MB, sha256-checked,
# resumable) when missing, else, with no network to download it, the approximate weights of the shared folder
# ($LEGACY_NST_SHARED, else ../shared: weights/vgg19-approx.mat), said so in one line ('legacy-nst weights locate').
# The recipe: neural_style.lua's objective (--preset jcjohnson) reached with the fast schedule (bfloat16
# L-BFGS at half size, then full size, a float32 finish: --schedule fast) from the content image at 512 px
# wide: Tuebingen's houses, windows and river under Starry Night's strokes (docs/quickstart.md).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
stamp=.venv/.legacy_nst-installed
if [ ! -x .venv/bin/python ] || [ ! -f "$stamp" ] || [ setup.py -nt "$stamp" ] \
        || ! .venv/bin/python -c "import legacy_nst" 2>/dev/null; then
    log=$(mktemp)
    if ! bash scripts/install.sh >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "quickstart: error: the install failed (above: the end of its log, $log); fix it and run again" >&2
        exit 1
    fi
    mkdir -p .venv && mv "$log" .venv/install.log && touch "$stamp"
    echo "quickstart: $(tail -n 1 .venv/install.log) (pip's output: .venv/install.log)"
fi
shared="${LEGACY_NST_SHARED:-../shared}"
images=()  # up to three leading arguments that are not options
while [ $# -gt 0 ] && [ ${#images[@]} -lt 3 ] && [[ "$1" != -* ]]; do images+=("$1"); shift; done
content="${images[0]:-$shared/images/tubingen.jpg}"
style="${images[1]:-$shared/images/starry_night.jpg}"
given=no overwrite=no named=""  # named: the options that change the image, as a file name's suffix
skip=no
for option in "$@"; do
    if [ "$skip" = yes ]; then skip=no; continue; fi
    case "$option" in
        --weights|--weights=*) given=yes ;;
        --overwrite) overwrite=yes ;;
        --quiet|--overwrite=*) ;;
        --log-json|--print-every|--checkpoint-dir) skip=yes ;;
        --log-json=*|--print-every=*|--checkpoint-dir=*) ;;
        *) named+="-$(printf '%s' "${option#--}" | tr -c 'A-Za-z0-9._-' '_')" ;;
    esac
done
output="${images[2]:-out/$(basename "${content%.*}")-$(basename "${style%.*}")${named}.png}"
if [ -e "$output" ] && [ "$overwrite" = no ]; then
    echo "quickstart: error: $output already exists, will not replace it; add --overwrite or name another output" >&2
    exit 2
fi
weights=()
if [ "$given" = no ]; then
    path="$(LEGACY_NST_SHARED="$shared" .venv/bin/legacy-nst weights locate --download)"
    weights=(--weights "$path")
fi
mkdir -p "$(dirname "$output")"
.venv/bin/legacy-nst --content "$content" --style "$style" --output "$output" "${weights[@]}" \
    --preset jcjohnson --schedule fast --init content --width 512 --log-json "${output%.*}.json" "$@"
seconds=$(( $(date +%s) - started ))
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
cpu=${cpu:-$(sed -n 's/^model name\t*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)}
echo "quickstart: $output in $((seconds / 60)) min $((seconds % 60)) s on ${cpu:-an unnamed CPU} ($(nproc) cores)"
