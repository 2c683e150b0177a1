#!/usr/bin/env bash
# `make run`: a short tour of the tvec command line on the bundled examples (the clinic app will
# take this place once it exists). Run from the repository root after `make` has built .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
tvec=.venv/bin/tvec
export COLUMNS="${COLUMNS:-120}"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "tvec dose-plan examples/visit-initial.json"
$tvec dose-plan examples/visit-initial.json
say "tvec dose-plan examples/visit-subsequent.json"
$tvec dose-plan examples/visit-subsequent.json
say "tvec schedule --start 2026-01-05 --given 2026-01-05 --given 2026-01-27"
$tvec schedule --start 2026-01-05 --given 2026-01-05 --given 2026-01-27
say "tvec assess examples/patient-progression-then-response.csv --start 2026-01-05"
$tvec assess examples/patient-progression-then-response.csv --start 2026-01-05
say "the same patient under plain WHO: the new lesion is progression, nothing after counts"
$tvec assess examples/patient-progression-then-response.csv --start 2026-01-05 --criteria who --json | grep -E "best_overall|durable"
say "tvec rules   (first table shown; the whole set is in docs/rules.md)"
$tvec rules | head -20 || true  # head closes the pipe early
say "bad input is refused with one line and a non-zero exit:"
echo '{"visit": "initial", "lesions": [{"id": "L1", "longest_cm": 2, "perpendicular_cm": 3, "site": "cutaneous"}]}' \
  | $tvec dose-plan - || echo "(exit code $?)"
