#!/usr/bin/env bash
# The installed unit under a real systemd (252, Debian 12), end to end: boots
# systemd as PID 1 of a private namespace on a throw-away overlay of / (see
# boot.sh), installs reactord there with the README's command
# (`cmake --install BUILD --prefix /usr`), and checks as assertions what an
# operator relies on: start, reload (good and bad), watchdog, the journal's
# priorities, pings under DynamicUser, the backend under the shipped and a
# stricter syscall filter, stop with runs in flight, restarts, a broken file
# at start, and `systemd-analyze security`.
#
#   tests/systemd/test_unit.sh [BUILD_DIR]     (default build/release; root)
#
# Exits 0 when every check passed, 1 when one failed, 0 with "SKIP: why"
# where this machine cannot boot systemd (not root, no overlayfs).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/boot.sh"

build=$(realpath "${1:-build/release}")
[[ -x $build/daemon/reactord ]] || { echo "test_unit: no $build/daemon/reactord; build first" >&2; exit 1; }
if reason=$(box_skip_reason) && [[ -n $reason ]]; then
  echo "SKIP: the systemd unit test needs to boot systemd in a namespace: $reason"
  exit 0
fi

scratch=$(mktemp -d /tmp/reactord-unit-test.XXXXXX)
finish() {
  local rc=$?
  if ((rc != 0)) && [[ -n $box_pid ]]; then
    echo "--- the unit's journal, last 40 lines:"
    box journalctl -u reactord.service --no-pager -n 40 2>&1 || true
  fi
  box_cleanup
  rm -rf "$scratch"
  exit "$rc"
}
trap finish EXIT
trap 'echo "test_unit: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

started=$SECONDS
failures=0
pass() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
check() {  # check "what" command...: passes if the command succeeds
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

prop() { box systemctl show -P "$1" reactord.service; }
journal() { box journalctl -q -u reactord.service --no-pager -o cat "$@"; }
# Lines of the unit's journal since the last mark. (Not --after-cursor:
# with a filter such as -p, journalctl 252 skips the first matching entry
# after a cursor that the filter does not match.)
journal_since() { box journalctl -q -u reactord.service --no-pager -o cat --since="@$(cat "$scratch/mark")" "$@"; }
mark() { date +%s.%6N >"$scratch/mark"; }
# Waits up to $2 seconds (default 20) for a journal line of the unit
# (since the mark) matching the grep pattern $1; more journalctl options
# may follow.
wait_journal() {
  local pattern=$1 limit=${2:-20} i
  for ((i = 0; i < limit * 10; i++)); do
    journal_since "${@:3}" | grep -- "$pattern" >/dev/null && return 0
    sleep 0.1
  done
  return 1
}
wait_prop() {  # wait_prop NAME VALUE [SECONDS]
  local i
  for ((i = 0; i < ${3:-20} * 10; i++)); do
    [[ "$(prop "$1")" == "$2" ]] && return 0
    sleep 0.1
  done
  return 1
}
put_job_file() { box tee /etc/reactord/jobs.yaml >/dev/null; }
# Restarts the unit with the drop-in NAME.conf made of stdin, from a clean
# failure count, and marks the journal first.
restart_with_drop_in() {  # restart_with_drop_in NAME <TEXT
  box tee "/run/systemd/system/reactord.service.d/$1.conf" >/dev/null
  box systemctl daemon-reload
  box systemctl reset-failed reactord.service 2>/dev/null || true
  mark
  box systemctl restart reactord.service
}

good_jobs() {
  cat <<'EOF'
daemon: { status_listen: "127.0.0.1:9817", shutdown_grace: 10s }
jobs:
  - { name: tick, kind: countdown, from: 0, every: 500ms }
  - { name: ping-v4, kind: ping, target: 127.0.0.1, count: 2, interval: 50ms, echo_timeout: 200ms, every: 1s }
  - { name: ping-v6, kind: ping, target: "::1", ip: 6, count: 2, interval: 50ms, echo_timeout: 200ms, every: 1s }
  - { name: own-health, kind: fetch, url: "http://127.0.0.1:9817/healthz", every: 1s }
EOF
}

echo "== booting systemd $(/lib/systemd/systemd --version | head -n1 | cut -d' ' -f2) in a namespace"
box_boot "$scratch" "$(cd "$here/../.." && pwd)" "$build"  # cmake --install reads both
echo "booted in $((SECONDS - started)) s"

# --- install, as the README says -------------------------------------------
box cmake --install "$build" --prefix /usr >/dev/null
check "install: the example job file is in /etc/reactord (not /usr/etc)" \
  box test -f /etc/reactord/jobs.example.yaml -a ! -e /usr/etc/reactord
good_jobs | put_job_file
box systemctl daemon-reload

# --- start --------------------------------------------------------------------
mark
box systemctl start reactord.service
# Type=notify: start returns only once READY=1 came, so it is active at once.
check "start: active/running as soon as systemctl start returns" \
  test "$(prop ActiveState)/$(prop SubState)" == active/running
check "start: the 'ready' line" wait_journal '^info ready jobs=4' 5
status=$(prop StatusText)
check "start: STATUS= is the job summary ('$status')" grep -Eq '^4 jobs: [0-9]+ up' <<<"$status"
wait_journal 'reactord starting' 5 || true
first=$(journal_since | grep -m1 'reactord starting' || true)
check "start: the first line names the backend: io_uring under the shipped filter" grep -q 'backend=io_uring' <<<"$first"
check "start: no backend fallback under the shipped filter" bash -c '! grep -q backend_fallback <<<"$1"' _ "$first"

# --- pings under DynamicUser with only CAP_NET_RAW ---------------------------
pid=$(prop MainPID)
check "dynamic user: the daemon does not run as root" test "$(box awk '/^Uid:/ {print $2}' /proc/"$pid"/status)" != 0
check "capabilities: CAP_NET_RAW and nothing else" \
  test "$(box awk '/^CapEff:/ {print $2}' /proc/"$pid"/status)" == 0000000000002000
check "ping: 127.0.0.1 answers (ping_group_range is '$(box cat /proc/sys/net/ipv4/ping_group_range)', so by CAP_NET_RAW)" \
  wait_journal 'result job=ping-v4 kind=ping outcome=success'
check "ping: ::1 answers" wait_journal 'result job=ping-v6 kind=ping outcome=success'
check "fetch: the status endpoint answers" wait_journal 'result job=own-health kind=fetch outcome=success'

# --- reload, good -----------------------------------------------------------
mark
{ good_jobs; echo '  - { name: added, kind: countdown, from: 0, every: 1s }'; } | put_job_file
if box systemctl reload reactord.service; then pass "reload (good file): systemctl reload succeeds"; else fail "reload (good file): systemctl reload failed"; fi
check "reload (good file): the 'reload:' line" wait_journal '^info reload: 1 added, 0 changed, 0 removed, 4 unchanged' 5
check "reload (good file): same PID" test "$(prop MainPID)" == "$pid"
check "reload (good file): the new job runs" wait_journal 'result job=added kind=countdown outcome=success'

# --- reload, broken ----------------------------------------------------------
mark
{ good_jobs; echo '  - { name: broken, kind: countdown, frum: 0 }'; } | put_job_file
if box systemctl reload reactord.service 2>"$scratch/reload.err"; then
  fail "reload (broken file): systemctl reload succeeded"
else
  pass "reload (broken file): systemctl reload fails ($(head -n1 "$scratch/reload.err"))"
fi
check "reload (broken file): the journal has the reason, file:line:col" \
  wait_journal "reload rejected: 1 error (first: /etc/reactord/jobs.yaml:7:.*unknown key 'frum'" 5
check "reload (broken file): same PID" test "$(prop MainPID)" == "$pid"
check "reload (broken file): still active" test "$(prop ActiveState)" == active
mark
check "reload (broken file): the old jobs keep producing results" wait_journal 'result job=added kind=countdown outcome=success' 5
check "reload (broken file): and the old pings too" wait_journal 'result job=ping-v4 kind=ping outcome=success' 5

# --- the journal's priorities ------------------------------------------------
warnings=$(journal -p warning)
check "journal -p warning: has the rejected reload" grep -q 'reload rejected' <<<"$warnings"
check "journal -p warning: no info lines (results, start, reload)" \
  bash -c '! grep -Eq "outcome=success|reactord starting|^info " <<<"$1"' _ "$warnings"

# --- stop with a run in flight ------------------------------------------------
good_jobs | put_job_file
echo '  - { name: slow, kind: countdown, from: 3, tick: 1s, every: 1h }' | box tee -a /etc/reactord/jobs.yaml >/dev/null
mark
box systemctl reload reactord.service
check "stop: a run is in flight" wait_journal 'event job=slow event=T-3' 5
stop_rc=0
box systemctl stop reactord.service || stop_rc=$?
check "stop: systemctl stop exits 0" test "$stop_rc" == 0
check "stop: the run in flight got its grace and finished" wait_journal 'result job=slow kind=countdown outcome=success' 1
check "stop: the daemon exited 0 ('stopped')" test "$(prop ExecMainStatus)/$(prop Result)" == 0/success
check "stop: the 'stopped' line" wait_journal '^info stopped' 1

# --- kill -9: restarted ------------------------------------------------------
good_jobs | put_job_file
box systemctl reset-failed reactord.service 2>/dev/null || true
box systemctl start reactord.service
pid=$(prop MainPID)
n=$(prop NRestarts)
box kill -9 "$pid"
check "kill -9: restarted (RestartSec=2s)" wait_prop NRestarts $((n + 1)) 15
check "kill -9: active again" wait_prop ActiveState active 10
check "kill -9: a new PID" test "$(prop MainPID)" != "$pid"

# --- watchdog: pings advance; a stopped daemon is killed and restarted -------
box mkdir -p /run/systemd/system/reactord.service.d
printf '[Service]\nWatchdogSec=2s\n' | restart_with_drop_in watchdog
pid=$(prop MainPID)
n=$(prop NRestarts)
w1=$(prop WatchdogTimestampMonotonic)
sleep 2.5  # WatchdogSec=2s: reactord pings every second
w2=$(prop WatchdogTimestampMonotonic)
check "watchdog: WatchdogTimestamp advances ($w1 -> $w2)" test "$w2" -gt "$w1"
mark
box kill -STOP "$pid"
check "watchdog: a SIGSTOPped daemon is killed ('Watchdog timeout')" wait_journal 'Watchdog timeout' 10
check "watchdog: and restarted" wait_prop NRestarts $((n + 1)) 15
check "watchdog: with a new PID" test "$(prop MainPID)" != "$pid"
box rm /run/systemd/system/reactord.service.d/watchdog.conf

# --- epoll when the unit denies io_uring ----------------------------------------
printf '[Service]\nSystemCallFilter=~io_uring_setup io_uring_enter io_uring_register\n' |
  restart_with_drop_in no-io-uring
wait_journal 'reactord starting' 5 || true
first=$(journal_since | grep -m1 'reactord starting' || true)
check "io_uring denied: the first line says epoll, and why ($(grep -o 'backend_fallback=.*' <<<"$first"))" \
  grep -Eq 'backend=epoll.*backend_fallback=.+' <<<"$first"
check "io_uring denied: the jobs run" wait_journal 'result job=ping-v4 kind=ping outcome=success' 5
box rm /run/systemd/system/reactord.service.d/no-io-uring.conf

# --- the ping privilege message under ProcSubset=pid ------------------------------
printf '[Service]\nAmbientCapabilities=\nCapabilityBoundingSet=\n' | restart_with_drop_in no-net-raw
check "no CAP_NET_RAW: pings fail" wait_journal 'result job=ping-v4 kind=ping outcome=failure' 5
msg=$(journal_since | grep -m1 'result job=ping-v4 kind=ping outcome=failure' || true)
check "no CAP_NET_RAW: the error says /proc/sys is hidden, not 'unknown'" \
  bash -c 'grep -q "ping_group_range cannot be read here" <<<"$1" && ! grep -q "\"unknown\"" <<<"$1"' _ "$msg"
check "no CAP_NET_RAW: the error says how to fix it" grep -q 'AmbientCapabilities=CAP_NET_RAW' <<<"$msg"
box rm /run/systemd/system/reactord.service.d/no-net-raw.conf
box systemctl daemon-reload

# --- a broken file at start: no restart loop ----------------------------------
{ good_jobs; echo '  - { name: broken, kind: countdown, frum: 0 }'; } | put_job_file
box systemctl reset-failed reactord.service 2>/dev/null || true
n=$(prop NRestarts)
mark
if box systemctl restart reactord.service 2>/dev/null; then
  fail "broken file at start: systemctl restart succeeded"
else
  pass "broken file at start: systemctl restart fails"
fi
sleep 5  # RestartSec=2s: a restart loop would have started twice by now
check "broken file at start: exit status 2" test "$(prop ExecMainStatus)" == 2
check "broken file at start: not restarted (NRestarts stays $n)" test "$(prop NRestarts)" == "$n"
check "broken file at start: the unit is failed, not activating" test "$(prop ActiveState)" == failed
check "broken file at start: journal -p warning names the error" wait_journal "unknown key 'frum'" 5 -p warning

check "broken file at start: journal -p warning says it is not starting" wait_journal 'not starting' 5 -p warning

# --- systemd-analyze verify and security -----------------------------------------
verify=$(box systemd-analyze verify reactord.service 2>&1) && verify_rc=0 || verify_rc=$?
check "systemd-analyze verify: clean${verify:+ ($verify)}" test "$verify_rc/$verify" == 0/
exposure=$(box systemd-analyze security reactord.service --no-pager | sed -n 's/.*Overall exposure level for reactord.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure $exposure <= 2.0" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }'

# --- power off and leave nothing behind --------------------------------------------
cg=$box_cgroup
box_poweroff || fail "power-off: systemd did not power off in time"
check "power-off: no process left in the test cgroup" \
  bash -c '! find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q .' _ "$cg"
box_cleanup
check "clean-up: the cgroup is gone" test ! -e "$cg"
check "clean-up: no mount of ours on the host" bash -c '! grep -Eq "box-(root|upper|dev|run|tmp)" /proc/self/mountinfo'

echo "test_unit: $failures failed, in $((SECONDS - started)) s"
((failures == 0))
