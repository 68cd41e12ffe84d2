#!/bin/bash
# Deterministic costs of issue 20's rows, in instructions (valgrind's callgrind): wall times
# on a shared machine swing by half from hour to hour, instruction counts by ~0.1%.
#
#   benchmarks/instructions.sh VENV [WORKDIR]
#
# VENV: a regular (non-editable) install with the bench extra, as compare.py wants it.
# Prints a changed lone file, one changed file in a 2,000-definition project (the hook), a
# lone file served from the cache, and the cost of each file of a cold check
# (`--no-cache --jobs 1` over 200 files, less its run over 100). Corpora are kept in WORKDIR.
set -u
unset PYTHONDONTWRITEBYTECODE
venv=$(cd "$1" && pwd)
work=${2:-${TMPDIR:-/tmp}/qslint-instructions}
here=$(cd "$(dirname "$0")" && pwd)
qslint=$venv/bin/qslint
mkdir -p "$work"
if [ ! -d "$work/hook" ]; then
  "$venv/bin/python" - "$work" "$here" <<'PY'
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[2])
import compare

work = Path(sys.argv[1])
compare.project(work / "hook", 2000)
compare.project(work / "cold", 200)
compare.project(work / "cold-half", 100)
PY
  mkdir -p "$work/lone"
  cp "$work/hook/jobs/team-000/job-00000.yaml" "$work/original.yaml"
  cp "$work/original.yaml" "$work/lone/job.yaml"
  # Settled (qslint.cache.SETTLED_NS), as a repository's files are when a commit changes one.
  sleep "$("$venv/bin/python" -c 'from qslint.cache import SETTLED_NS; print(SETTLED_NS / 1e9 + 0.1)')"
fi
count() {  # millions of instructions, over every process of the run
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
    | awk '/Collected/ {sum += $4} END {print int(sum / 1000000)}'
}
cd "$work/lone" && { "$qslint" check -q job.yaml >/dev/null || true; }
echo "# $RANDOM$RANDOM" >> job.yaml
lone=$(count "$qslint" check -q job.yaml)
cached=$(count "$qslint" check -q job.yaml)
cd "$work/hook" && { "$qslint" check -q jobs >/dev/null || true; }
changed=jobs/team-000/job-00000.yaml
cp "$work/original.yaml" "$changed" && echo "# $RANDOM$RANDOM" >> "$changed"
hook=$(count "$qslint" check -q --force-exclude "$changed")
cd "$work/cold" && all=$(count "$qslint" check --no-cache --jobs 1 -q jobs)
cd "$work/cold-half" && half=$(count "$qslint" check --no-cache --jobs 1 -q jobs)
echo "lone changed file   ${lone}M instructions"
echo "hook (one of 2,000) ${hook}M"
echo "lone file, cached   ${cached}M"
echo "each cold file      $(( (all - half) * 1000 / 100 ))K"
