#!/usr/bin/env bash
# scripts/torture.sh [KILLS]: kill -9 `nnreg train`/`nnreg resume` at random moments KILLS times (default
# 200), checking after every kill that the store passes `PRAGMA integrity_check` (and `nnreg check`),
# that the run shows `crashed`, and that `resume` continues it; then finishes the run and requires its
# final checkpoint to equal an uninterrupted run's with the same seed. Ends with SIGTERM/SIGINT rounds
# (exit 130, status `interrupted`).
# Env: NNREG_BIN (default .build/release/nnreg), NNREG_DATA (MNIST folder to cut 1000 images from,
# default data/mnist), MAX_DELAY_MS (default 400).
set -euo pipefail
KILLS=${1:-200}
BIN=${NNREG_BIN:-.build/release/nnreg}
SOURCE=${NNREG_DATA:-data/mnist}
MAX_DELAY_MS=${MAX_DELAY_MS:-400}
[ -x "$BIN" ] || { echo "no nnreg binary at $BIN; build it (swift build -c release) or set NNREG_BIN" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/nnreg-torture.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
DB=$WORK/runs.sqlite
DATA=$WORK/data

# A small dataset: the first 1000 training and 200 test images of MNIST.
python3 - "$SOURCE" "$DATA" <<'PY'
import os, struct, sys
source, target = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
for name, count in [("train-images-idx3-ubyte", 1000), ("train-labels-idx1-ubyte", 1000),
                    ("t10k-images-idx3-ubyte", 200), ("t10k-labels-idx1-ubyte", 200)]:
    data = open(os.path.join(source, name), "rb").read()
    dims = data[3]
    shape = list(struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims]))
    item = 1
    for d in shape[1:]: item *= d
    body = data[4 + 4 * dims:4 + 4 * dims + count * item]
    open(os.path.join(target, name), "wb").write(data[:4] + struct.pack(">" + "I" * dims, count, *shape[1:]) + body)
PY

SETTINGS=(--batch-size 32 --display-step 10 --checkpoint-every 25 --hidden1 16 --hidden2 16
          --shuffle-buffer 300 --seed 11 --predictions 0)
nn() { "$BIN" "$@" --db "$DB" --data "$DATA"; }
HAS_CHECK=0; nn check --help >/dev/null 2>&1 && HAS_CHECK=1
status() { nn show victim --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
last_checkpoint() { sqlite3 "$DB" "SELECT coalesce(max(step), -1) FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.name = 'victim'"; }
fail() { echo "FAIL after kill $kills: $*" >&2; exit 1; }

kills=0; resumes=0; before_run=0; has_run=0; previous=-1; start=$(date +%s.%N)
while [ "$kills" -lt "$KILLS" ]; do
  if [ "$has_run" = 1 ]; then
    "$BIN" resume victim --db "$DB" --data "$DATA" --json >/dev/null 2>&1 &
  else
    "$BIN" train --name victim --steps 10000000 "${SETTINGS[@]}" --db "$DB" --data "$DATA" --json >/dev/null 2>&1 &
  fi
  pid=$!
  sleep "$(awk -v m="$MAX_DELAY_MS" 'BEGIN { srand(); printf "%.3f", rand() * m / 1000 }')"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  kills=$((kills + 1))
  [ "$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)" = ok ] || fail "integrity_check: $(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)"
  if [ "$HAS_CHECK" = 1 ]; then nn check >/dev/null 2>&1 || fail "nnreg check: $(nn check 2>&1 | tail -3)"; fi
  s=$(status || true)
  if [ -z "$s" ]; then
    [ "$has_run" = 0 ] || fail "the run vanished"
    before_run=$((before_run + 1)); continue
  fi
  [ "$has_run" = 1 ] && resumes=$((resumes + 1))
  has_run=1
  [ "$s" = crashed ] || fail "status is $s, not crashed"
  latest=$(last_checkpoint)
  [ "$latest" -ge "$previous" ] || fail "latest checkpoint went back from $previous to $latest"
  previous=$latest
  [ $((kills % 25)) = 0 ] && echo "  $kills kills, latest checkpoint at step $latest"
done
kill_seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

# SIGTERM and SIGINT: the run ends `interrupted`, exit 130.
signals=0
for round in $(seq 1 10); do
  signal=$([ $((round % 2)) = 0 ] && echo INT || echo TERM)
  "$BIN" resume victim --db "$DB" --data "$DATA" --json >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 5000); do  # bounded poll until this process owns the run
    [ "$(sqlite3 "$DB" "SELECT pid FROM runs WHERE name = 'victim' AND status = 'running'" 2>/dev/null)" = "$pid" ] && break
    sleep 0.005
  done
  sleep "$(awk 'BEGIN { srand(); printf "%.3f", rand() * 0.2 }')"
  kill -s "$signal" "$pid"
  code=0; wait "$pid" || code=$?
  [ "$code" = 130 ] || fail "SIG$signal: exit $code, not 130"
  [ "$(status)" = interrupted ] || fail "SIG$signal: status $(status), not interrupted"
  [ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity after SIG$signal"
  signals=$((signals + 1))
done

end=$(( $(sqlite3 "$DB" "SELECT steps_done FROM runs WHERE name = 'victim'") + 60 ))
got=$(nn resume victim --steps "$end" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["checkpoint_sha256"])')
want=$(nn train --name reference --steps "$end" "${SETTINGS[@]}" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["checkpoint_sha256"])')
echo "kill -9: $kills survived ($resumes during resume, $before_run before the run existed) in ${kill_seconds}s; SIGTERM/SIGINT: $signals"
echo "final step $end: tortured $got"
echo "final step $end: reference $want"
[ "$got" = "$want" ] || { echo "FAIL: final checkpoint differs from the uninterrupted run" >&2; exit 1; }
echo "OK: bit-exact"
