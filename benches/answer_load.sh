#!/usr/bin/env bash
# Answer throughput of the release binary, measured from outside the process.
#
# The in-process bench (`cargo bench --bench scale`) runs its load generator on the
# server's own tokio runtime, which flatters the server. This script instead starts
# `target/release/nyttopuls serve` as its own process on a fresh SQLite file, seeds it
# through the real CLI and API, and loads it with wrk (a separate program):
#
#   1. `/healthz` for DURATION seconds: the ceiling of this machine + HTTP stack;
#   2. answer submissions for DURATION seconds, each personal link posted once
#      (LUA, default /work/shared/bench/post-each-once.lua; a copy is below).
#
# Stored answers are counted in the database (the rounds' `answered`), not from wrk's
# responses: a stored answer is answered with a redirect (POST-redirect-GET), and a page
# saying "already answered" or "closed" is a response too. (wrk 4.1's "Non-2xx or 3xx
# responses" line counts only statuses >= 400, despite its name.)
#
# Usage: benches/answer_load.sh
# Settings (environment):
#   RESPONDENTS=60000  people imported; each gets one invitation (fatigue rule), so this
#                      caps the answers one run can post; the script stops with an error
#                      if the run used every link
#   SERVICES=20        IT services; each person uses 1–3 of them
#   DURATION=5         seconds per wrk run
#   CONNECTIONS=64     wrk -c;  THREADS=2: wrk -t
#   PORT=…             port to serve on (default: a free one)
#   PERF_STAT=1        also count the server's CPU time and context switches per stored
#                      answer during the answers run (perf stat)
#   PERF_OUT=FILE      also `perf record -g` the server during the answers run into FILE
#                      (PERF_CALL_GRAPH="--call-graph dwarf,16384" for exact Rust stacks)
#   KEEP=1             keep the temp dir (database, server log, wrk output) afterwards
#   SKIP_BUILD=1       use the existing target/release/nyttopuls as it is
#   BIN=PATH           measure this binary instead (implies nothing is built)
# Needs: cargo, python3 (with its sqlite3 module), curl, wrk (installed with apt-get if
# missing and running as root). Do not run it next to other heavy work: both the server
# and wrk need the CPU, and the figures are only comparable on an otherwise idle machine.

set -euo pipefail

RESPONDENTS=${RESPONDENTS:-60000}
SERVICES=${SERVICES:-20}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
LUA=${LUA:-/work/shared/bench/post-each-once.lua}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-"$ROOT/target/release/nyttopuls"}
WORK=$(mktemp -d -t nyttopuls-answer-load.XXXXXX)
SERVER_PID=""

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP:-0}" == 1 ]]; then
        say "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    [[ $(id -u) == 0 ]] || die "wrk is missing: apt-get install wrk"
    say "installing wrk"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
command -v python3 >/dev/null || die "python3 is missing"
command -v curl >/dev/null || die "curl is missing"
if [[ ! -f "$LUA" ]]; then
    # A copy of that script, for machines without /work/shared.
    LUA="$WORK/post-each-once.lua"
    cat >"$LUA" <<'LUA_EOF'
-- wrk script: POST a form to each path of a file once (survey links are single-use).
-- Usage: PATHS=links.txt BODY='sus1=4&...' THREADS=2 wrk -t2 -c64 -d5s -s post-each-once.lua http://127.0.0.1:8080
-- PATHS holds one path per line (/s/TOKEN). THREADS must equal wrk's -t: each thread takes
-- every THREADS-th line from its own offset, so no link is posted twice. Provide more links
-- than the run can use; prints the p99 latency in microseconds as "P99_US n".
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
local paths, i, step = {}, 0, tonumber(os.getenv("THREADS"))
function init(args)
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  i = offset + 1 - step
end
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  i = i + step
  if i > #paths then i = offset + 1 end
  return wrk.format(nil, paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("P99_US %d\n", latency:percentile(99)))
end
LUA_EOF
fi

# --- build -------------------------------------------------------------------------
if [[ "${SKIP_BUILD:-0}" != 1 && "$BIN" == "$ROOT/target/release/nyttopuls" ]]; then
    say "building the release binary (the first time takes several minutes)"
    (cd "$ROOT" && cargo build --release --quiet --bin nyttopuls)
fi
[[ -x "$BIN" ]] || die "$BIN not found"

# --- configuration: everything through the environment, nothing from config files -----
if [[ -z "${PORT:-}" ]]; then
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
BASE="http://127.0.0.1:$PORT"
DB="$WORK/bench.db"
export NYTTOPULS__DATABASE__URL="sqlite://$DB?mode=rwc"
export NYTTOPULS__SERVER__BIND="127.0.0.1:$PORT"
export NYTTOPULS__SERVER__PUBLIC_URL="$BASE"
# No timers: nothing is dispatched, so the personal links stay in the outbox payloads.
export NYTTOPULS__SCHEDULER__ENABLED=false
export NYTTOPULS__MAIL__TRANSPORT=file
export NYTTOPULS__MAIL__OUTBOX_DIR="$WORK/outbox"
export NYTTOPULS__SURVEY__ANSWER_KEY_FILE="$WORK/answer.key"
export NYTTOPULS__CHARTS__DIR="$WORK/charts"
# Request logs would measure the terminal, not the server.
export RUST_LOG=${RUST_LOG:-warn}

# --- seed: admin token (CLI), services, people, programme and its rounds (API) ---------
say "seeding $RESPONDENTS respondents over $SERVICES services in $WORK"
TOKEN=$("$BIN" token create --role admin --label answer-load | tail -n 1)
[[ -n "$TOKEN" ]] || die "no admin token"

"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server stopped: $(tail -n 5 "$WORK/server.log")"
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || die "the server does not answer on $BASE"

api() { # METHOD PATH [curl args…]: JSON response on stdout, fails on HTTP errors
    local method=$1 path=$2
    shift 2
    curl -fsS -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$BASE/api/v1$path"
}

for i in $(seq 1 "$SERVICES"); do
    api POST /services -H 'Content-Type: application/json' \
        -d "{\"name\":\"Tjänst $i\",\"slug\":\"tjanst-$i\",\"users_count\":500,\"annual_cost_sek\":100000}" >/dev/null
done

# Deterministic people: 1–3 services each, 12 departments.
python3 - "$RESPONDENTS" "$SERVICES" >"$WORK/people.csv" <<'PY'
import random, sys
people, services = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(6)
print("email;name;department;kind;language;services")
for i in range(people):
    used = sorted(rng.sample(range(1, services + 1), rng.randint(1, min(3, services))))
    slugs = "|".join(f"tjanst-{s}" for s in used)
    print(f"person{i}@kommun.example;Person {i} Åström;Förvaltning {i % 12};internal;sv;{slugs}")
PY
api POST /respondents/import -H 'Content-Type: text/csv' --data-binary "@$WORK/people.csv" >"$WORK/import.json"

# Leaving out questionnaire_id and service_ids: the standard questionnaire, every service.
PROGRAMME=$(api POST /programmes -H 'Content-Type: application/json' \
    -d '{"name":"Alla tjänster","schedule":"0 0 8 1 */3 *"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
api POST "/programmes/$PROGRAMME/run" >"$WORK/run.json"
say "opened: $(cat "$WORK/run.json")"

# --- the personal links: only in the outbox payloads until dispatch -------------------
python3 - "$DB" >"$WORK/links.txt" <<'PY'
import json, sqlite3, sys, urllib.parse
db = sqlite3.connect(sys.argv[1])
for (payload,) in db.execute("SELECT payload FROM outbox WHERE payload IS NOT NULL ORDER BY id"):
    link = json.loads(payload).get("link")
    if link:
        print(urllib.parse.urlsplit(link).path)
PY
LINKS=$(wc -l <"$WORK/links.txt")
((LINKS > 1)) || die "no personal links found in the outbox"

# The standard questionnaire: SUS (1–5), benefit (1–7), minutes a week, a comment.
BODY='sus1=4&sus2=2&sus3=4&sus4=1&sus5=4&sus6=2&sus7=5&sus8=1&sus9=4&sus10=2&nytta1=6&nytta2=5&nytta3=6&tid=30&kommentar=Bra+tj%C3%A4nst'

stored() { # answers stored so far, from the rounds' counters
    python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
print(db.execute("SELECT COALESCE(SUM(answered), 0) FROM rounds").fetchone()[0])
PY
}

# One answer by hand first (the last link, kept out of the load), so a body the form
# rejects stops the script here instead of measuring error pages.
tail -n 1 "$WORK/links.txt" >"$WORK/check-link.txt"
head -n -1 "$WORK/links.txt" >"$WORK/paths.txt"
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/x-www-form-urlencoded' --data "$BODY" \
    "$BASE$(cat "$WORK/check-link.txt")")
[[ $(stored) == 1 ]] || die "a test answer was not stored (HTTP $STATUS); check BODY against the questionnaire"

# --- load --------------------------------------------------------------------------
ms() { # wrk latency ("812.00us", "1.23ms", "1.02s") in milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.1f", n }'
}
field() { # FILE PATTERN COLUMN
    awk -v p="$2" -v c="$3" '$0 ~ p { print $c; exit }' "$1"
}

say "wrk /healthz: -t$THREADS -c$CONNECTIONS -d${DURATION}s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$BASE/healthz" >"$WORK/healthz.txt"

say "wrk answers: -t$THREADS -c$CONNECTIONS -d${DURATION}s, $((LINKS - 1)) links"
BEFORE=$(stored)
if [[ -n "${PERF_OUT:-}" ]]; then
    # Starts with the load, stops a second before it ends (no idle tail in the profile).
    read -ra CALL_GRAPH <<<"${PERF_CALL_GRAPH:--g}" # e.g. "--call-graph dwarf,16384"
    perf record "${CALL_GRAPH[@]}" -F 999 -p "$SERVER_PID" -o "$PERF_OUT" -- sleep $((DURATION - 1)) \
        >"$WORK/perf.log" 2>&1 &
    PERF_PID=$!
fi
# The Lua script reads PATHS, BODY and THREADS (each wrk thread takes every THREADS-th
# link, so no link is posted twice).
export THREADS
if [[ "${PERF_STAT:-0}" == 1 ]]; then
    perf stat -x, -e task-clock,context-switches -o "$WORK/perf-stat.csv" \
        -p "$SERVER_PID" -- sleep "$DURATION" >/dev/null 2>&1 &
    STAT_PID=$!
fi
PATHS="$WORK/paths.txt" BODY="$BODY" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "$BASE" >"$WORK/answers.txt"
if [[ "${PERF_STAT:-0}" == 1 ]]; then
    wait "$STAT_PID" || say "perf stat failed"
fi
if [[ -n "${PERF_OUT:-}" ]]; then
    wait "$PERF_PID" || say "perf record failed: $(tail -n 3 "$WORK/perf.log")"
fi
# Requests still in flight when wrk stopped may be written a moment later: count them
# once the counter stops moving.
AFTER=$(stored)
for _ in $(seq 1 20); do
    sleep 0.25
    NOW=$(stored)
    [[ "$NOW" == "$AFTER" ]] && break
    AFTER=$NOW
done
STORED=$((AFTER - BEFORE))
((AFTER < LINKS)) || die "the run used every link ($LINKS); raise RESPONDENTS"

# --- summary -----------------------------------------------------------------------
H_RPS=$(field "$WORK/healthz.txt" '^Requests/sec' 2)
H_P50=$(ms "$(field "$WORK/healthz.txt" '^ +50%' 2)")
H_P99=$(ms "$(field "$WORK/healthz.txt" '^ +99%' 2)")
A_RPS=$(field "$WORK/answers.txt" '^Requests/sec' 2)
A_P50=$(ms "$(field "$WORK/answers.txt" '^ +50%' 2)")
A_P99=$(ms "$(field "$WORK/answers.txt" '^ +99%' 2)")
A_SECS=$(awk '/requests in/ { gsub(/[s,]/, "", $4); print $4; exit }' "$WORK/answers.txt")
A_NON2XX=$(field "$WORK/answers.txt" 'Non-2xx or 3xx' 5)
A_ERRORS=$(field "$WORK/answers.txt" 'Socket errors' 0)
read -r PER_SEC RATIO < <(awk -v s="$STORED" -v t="$A_SECS" -v h="$H_RPS" \
    'BEGIN { r = s / t; printf "%.0f %.1f\n", r, 100 * r / h }')

cat <<EOF
answer load, release binary, SQLite, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s ($(date -u +%Y-%m-%d), $(nproc) cores)
  /healthz:  $(printf '%.0f' "$H_RPS") req/s, p50 $H_P50 ms, p99 $H_P99 ms
  answers:   $STORED stored in ${A_SECS} s = $PER_SEC stored/s, p50 $A_P50 ms, p99 $A_P99 ms
             (wrk: $(printf '%.0f' "$A_RPS") req/s, HTTP >= 400: ${A_NON2XX:-0}${A_ERRORS:+, $A_ERRORS};
             a stored answer is answered with HTTP $STATUS)
  ratio:     stored answers/s = $RATIO % of /healthz req/s
EOF
if [[ "${PERF_STAT:-0}" == 1 && -s "$WORK/perf-stat.csv" ]]; then
    awk -F, -v s="$STORED" '
        $3 ~ /^task-clock/ { cpu = $1 }
        $3 ~ /^context-switches/ { cs = $1 }
        END { printf "  server:    %.3f ms CPU and %.1f context switches per stored answer (perf stat)\n", cpu / s, cs / s }
    ' "$WORK/perf-stat.csv"
fi
