#!/usr/bin/env bash
# A new user's first two steps, timed: `pip install -e ".[local]"` into a fresh venv with an
# empty pip cache, then the first `summarise run` of the seed (the model file assembled into an
# empty cache directory). Also says whether anything was compiled. Prints numbers only.
#   bash evals/bench_install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
# shellcheck disable=SC1091
source "$work/venv/bin/activate"
export PIP_CACHE_DIR="$work/pip-cache" SUMMARISER_CACHE_DIR="$work/cache"
python -m pip install -q --upgrade pip
start=$(date +%s.%N)
pip install -v -e ".[local]" >"$work/pip.log" 2>&1
end=$(date +%s.%N)
built=$(grep -E "Building wheel for " "$work/pip.log" | grep -vc "for summariser" || true)
compiler=$(grep -cE "\b(gcc|g\+\+|cmake|ninja)\b" "$work/pip.log" || true)
printf 'pip install -e ".[local]": %.0f s; wheels built from source other than ours: %s; compiler lines in the log: %s; venv %s\n' \
  "$(echo "$end - $start" | bc)" "$built" "$compiler" "$(du -sh "$work/venv" | cut -f1)"
start=$(date +%s.%N)
summarise run seeds/starmer-harris.txt --no-cache >"$work/seed.json" 2>"$work/seed.err" || true
end=$(date +%s.%N)
printf 'first summarise run (model assembly included): %.0f s; %s quotes; exit stderr: %s\n' \
  "$(echo "$end - $start" | bc)" \
  "$(python -c "import json,sys; print(len(json.load(open(sys.argv[1]))['quotes']))" "$work/seed.json" 2>/dev/null || echo '?')" \
  "$(tail -n 1 "$work/seed.err")"
