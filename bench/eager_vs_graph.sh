#!/usr/bin/env bash
# Graph vs eager backends on the shared pair: agreement and speed, all backends side by side in one
# process per size (round-robin, --repeat rounds). The first size is the issue's acceptance setting.
#
# Usage: bash bench/eager_vs_graph.sh [OUT_DIR]     (default OUT_DIR: /tmp/legacy-nst-eager-bench)
# Env:   PYTHON (default: python3), LEGACY_NST_SHARED (default: ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
shared=${LEGACY_NST_SHARED:-../shared}
out=${1:-/tmp/legacy-nst-eager-bench}
mkdir -p "$out"
for setting in "64 48 5 5" "256 192 20 3"; do
    read -r width height iterations repeat <<<"$setting"
    name="${width}x${height}"
    echo "== $name, $iterations Adam steps, init content, $repeat rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    "$python" scripts/legacy-nst compare \
        --content "$shared/images/tubingen.jpg" --style "$shared/images/starry_night.jpg" \
        --weights "$shared/weights/vgg19-approx.mat" --width "$width" --height "$height" \
        --iterations "$iterations" --init content --repeat "$repeat" \
        --backends graph,eager,function,function-xla \
        --report-json "$out/$name.json" --report-dir "$out/$name" --quiet
done
echo "reports in $out"
