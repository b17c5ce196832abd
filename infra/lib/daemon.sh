# shellcheck shell=bash
# Process handling shared by infra/kafka/kafka.sh and infra/keycloak/keycloak.sh. Sourced, never run:
#   . "$SCRIPT_DIR/../lib/daemon.sh"   (SCRIPT_DIR: the sourcing script's own directory, resolved)
# The sourcing script has already set `set -euo pipefail`; nothing here changes shell options. Before its
# first log line it sets LOG_PREFIX (e.g. "kafka.sh[9092]"); messages read "<LOG_PREFIX>: <message>".
#
#   log MESSAGE...         print "<LOG_PREFIX>: MESSAGE" on stderr
#   die MESSAGE...         log "ERROR: MESSAGE" and exit 1
#   with_lock FILE CMD...  run CMD while holding an exclusive flock on FILE (created, with its directory, if
#                          missing); dies after 600 s without the lock. While CMD runs, the lock's fd is in
#                          LOCK_FDS, so that a daemon started under the lock can close it (see lock_fds_closer).
#                          Without flock on PATH, CMD runs unlocked.
#   lock_fds_closer        print shell code ("exec N>&-; " per held lock) that closes the held lock fds
#   pid_exists PID         true if PID is alive and not a zombie
#   wait_gone PID SECONDS  wait until PID is gone; false if it is still alive after SECONDS
#   port_in_use PORT       true if something accepts TCP connections on 127.0.0.1:PORT
#   usage                  print the sourcing script's header comment (line 2 up to `set -euo`), unindented

# The script that sourced this file, for usage.
DAEMON_SCRIPT="${BASH_SOURCE[1]:-$0}"
LOCK_FDS=()

log() { printf '%s: %s\n' "${LOG_PREFIX:-${0##*/}}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

with_lock() {
  local lock_file="$1" fd
  shift
  if ! command -v flock >/dev/null 2>&1; then
    "$@"
    return
  fi
  mkdir -p "$(dirname "$lock_file")"
  exec {fd}>>"$lock_file"
  if ! flock -w 600 "$fd"; then
    exec {fd}>&-
    die "timed out waiting for lock $lock_file"
  fi
  LOCK_FDS+=("$fd")
  # Not "$@" || ...: that would disable errexit inside the callee. On failure
  # the script exits and the kernel releases the lock.
  "$@"
  unset 'LOCK_FDS[${#LOCK_FDS[@]}-1]'
  exec {fd}>&-
}

lock_fds_closer() {
  local fd
  for fd in "${LOCK_FDS[@]}"; do printf 'exec %s>&-; ' "$fd"; done
}

# A zombie counts as gone: containers without an init may never reap a detached JVM.
pid_exists() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z* ]]
}

wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    pid_exists "$1" || return 0
    sleep 0.1
  done
  ! pid_exists "$1"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

usage() {
  sed -n '2,/^set -euo/p' "$DAEMON_SCRIPT" | sed '$d' | sed 's/^# \{0,1\}//'
}
