#!/usr/bin/env bash
# The base point of each per-mode sweep (docs/benchmarks.md, "Every mode at its best"): the file's own
# settings, without the sweep's draws, at the sweep's seeds. A random search of a few points can miss
# a setting that was already good; bench/mode-defaults.ts reads these runs as the point "base" beside
# the drawn ones (it finds them by their run name, base-<file>-s<seed>).
#   bash bench/sweeps/base-points.sh DIR [file …]     (DIR: the runs folder the sweeps used; PARALLEL=2 by default)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
runs_dir="$1"; shift
files=("$@")
if [[ ${#files[@]} == 0 ]]; then files=(bench/sweeps/defaults-*.tower.yaml); fi
trainer="${TRAINER:-dist/trainer.js}"
for file in "${files[@]}"; do
  for seed in 42 43 44; do echo "$file $seed"; done
done | xargs -P "${PARALLEL:-2}" -L 1 bash -c 'node "$0" train "$2" --set "training.seed=$3" --name "base-$(basename "$2" .tower.yaml)-s$3" --runs-dir "$1" --events-stdout off --quiet' "$trainer" "$runs_dir"
