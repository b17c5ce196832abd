#!/usr/bin/env bash
# Keycloak (start-dev) with the Abri realm, for the compatibility tests and for trying Abri against Keycloak.
#
# Usage: infra/keycloak/keycloak.sh <command>
#   fetch   get the Keycloak distribution (version pinned in pom.xml) through Maven, unzip it into target/
#   start   fetch if needed, generate missing credentials, start detached, wait for the realm's discovery
#   wait    wait (ABRI_KEYCLOAK_WAIT_TIMEOUT s) until the realm's discovery document answers
#   status  exit 0 if running and answering, 1 if running but not answering, 3 if stopped
#   env     print the credentials (KEY=value lines) of this run dir
#   stop    SIGTERM to the server's process group, wait up to ABRI_KEYCLOAK_STOP_TIMEOUT s, then SIGKILL
#
# Environment (all optional):
#   ABRI_KEYCLOAK_PORT=8180           HTTP port on 127.0.0.1; the issuer is http://127.0.0.1:<port>/realms/abri
#   ABRI_KEYCLOAK_DIR=.run/keycloak   run dir (relative paths are resolved against the repo root): data,
#                                     logs, pid file, credentials.env (mode 0600)
#   ABRI_KEYCLOAK_HEAP=512m           -Xms and -Xmx of the server
#   ABRI_KEYCLOAK_JVM_OPTS            more JVM options (default -XX:TieredStopAtLevel=1: C1 only, which
#                                     starts about a third faster here; set it to "" for peak throughput)
#   ABRI_KEYCLOAK_WAIT_TIMEOUT=180    seconds for start/wait
#   ABRI_KEYCLOAK_STOP_TIMEOUT=30     seconds before stop escalates to SIGKILL
#   ABRI_KEYCLOAK_JAVA_HOME           a JDK 21+ (default /usr/lib/jvm/temurin-25-jdk-amd64, else the first
#                                     JDK 21+ found in /usr/lib/jvm; Keycloak 26 does not run on Java 17)
#   Credentials, each taken from the environment if set, else generated once into credentials.env:
#   ABRI_KEYCLOAK_ADMIN_USER, ABRI_KEYCLOAK_ADMIN_PASSWORD  (bootstrap admin of the master realm)
#   ABRI_KEYCLOAK_CLIENT_ABRI_WEB_SECRET, ABRI_KEYCLOAK_CLIENT_ABRI_PARTNER_DEMO_SECRET
#   ABRI_KEYCLOAK_PASSWORD_<USER>     for OWNER1 OWNER2 SW1 SW2 AGENT1 AGENT2 OPS1 HOUSEHOLD1
#   ABRI_KEYCLOAK_TOTP_<USER>         for SW1 SW2 AGENT1 AGENT2 OPS1: the key of their TOTP credential (its text is
#                                     the HMAC key; an authenticator app takes it base32-encoded)
# realm-abri.json refers to them as ${NAME}; Keycloak substitutes them when it imports the realm (first
# start of a run dir only: an existing realm is never re-imported, so keep credentials.env with the data).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
# log, die, with_lock, lock_fds_closer, pid_exists, wait_gone, port_in_use, usage
# shellcheck source-path=SCRIPTDIR/../lib source=daemon.sh
. "$SCRIPT_DIR/../lib/daemon.sh"
# pom_property, pom_sha, fetched_current, maven_fetch
# shellcheck source-path=SCRIPTDIR/../lib source=maven-fetch.sh
. "$SCRIPT_DIR/../lib/maven-fetch.sh"

PORT="${ABRI_KEYCLOAK_PORT:-8180}"
LOG_PREFIX="keycloak.sh[$PORT]"
HEAP="${ABRI_KEYCLOAK_HEAP:-512m}"
JVM_OPTS="${ABRI_KEYCLOAK_JVM_OPTS--XX:TieredStopAtLevel=1}"
WAIT_TIMEOUT="${ABRI_KEYCLOAK_WAIT_TIMEOUT:-180}"
STOP_TIMEOUT="${ABRI_KEYCLOAK_STOP_TIMEOUT:-30}"
RUN_DIR="${ABRI_KEYCLOAK_DIR:-.run/keycloak}"
case "$RUN_DIR" in
  /*) ;;
  *) RUN_DIR="$REPO_ROOT/$RUN_DIR" ;;
esac

POM="$SCRIPT_DIR/pom.xml"
REALM_FILE="$SCRIPT_DIR/realm-abri.json"
REALM="abri"
TARGET_DIR="$SCRIPT_DIR/target"
STAMP_FILE="$TARGET_DIR/.pom.sha256"
DIST_DIR="$TARGET_DIR/keycloak"          # the unzipped distribution, shared by every run dir
BUILT_STAMP="$DIST_DIR/.abri-dev-built"  # written once start-dev has augmented the shared lib/

HOME_DIR="$RUN_DIR/home"                 # kc.home.dir: bin/kc.sh and conf/ copied, lib/ themes/ providers/ linked
LOG_DIR="$RUN_DIR/logs"
OUT_FILE="$LOG_DIR/keycloak.out"
PID_FILE="$RUN_DIR/keycloak.pid"
CREDENTIALS="$RUN_DIR/credentials.env"
LOCK_FILE="$RUN_DIR/.keycloak.sh.lock"
BASE_URL="http://127.0.0.1:$PORT"
ISSUER="$BASE_URL/realms/$REALM"
DISCOVERY="$ISSUER/.well-known/openid-configuration"

USERS=(OWNER1 OWNER2 SW1 SW2 AGENT1 AGENT2 OPS1 HOUSEHOLD1)
CLIENTS=(ABRI_WEB ABRI_PARTNER_DEMO)
TOTP_USERS=(SW1 SW2 AGENT1 AGENT2 OPS1)  # the roles the realm's browser flow asks a TOTP code of

validate_env() {
  local name value
  for name in PORT WAIT_TIMEOUT STOP_TIMEOUT; do
    value="${!name}"
    [[ "$value" =~ ^[0-9]+$ ]] || die "ABRI_KEYCLOAK_$name must be a number, got '$value'"
  done
  ((PORT > 0 && PORT < 65536)) || die "ABRI_KEYCLOAK_PORT must be in 1..65535"
  [[ "$HEAP" =~ ^[0-9]+[mMgG]$ ]] || die "ABRI_KEYCLOAK_HEAP must look like 512m, got '$HEAP'"
}

keycloak_version() { pom_property keycloak.version; }

# ---------------------------------------------------------------- java

java_major() {
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}

find_java_home() {
  local candidate major
  if [[ -n "${ABRI_KEYCLOAK_JAVA_HOME:-}" ]]; then
    [[ -x "$ABRI_KEYCLOAK_JAVA_HOME/bin/java" ]] || die "ABRI_KEYCLOAK_JAVA_HOME=$ABRI_KEYCLOAK_JAVA_HOME has no bin/java"
    major="$(java_major "$ABRI_KEYCLOAK_JAVA_HOME")"
    if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 21)); then
      die "ABRI_KEYCLOAK_JAVA_HOME=$ABRI_KEYCLOAK_JAVA_HOME is Java $major; Keycloak 26 needs 21+"
    fi
    echo "$ABRI_KEYCLOAK_JAVA_HOME"
    return 0
  fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [[ -x "$candidate/bin/java" ]] || continue
    major="$(java_major "$candidate")"
    if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)); then
      echo "$candidate"
      return 0
    fi
  done
  die "no JDK 21+ found in /usr/lib/jvm (set ABRI_KEYCLOAK_JAVA_HOME); Keycloak 26 does not run on Java 17"
}

# ---------------------------------------------------------------- fetch

dist_current() { fetched_current "$STAMP_FILE" "$DIST_DIR/bin/kc.sh"; }

# Unzip the distribution Maven copied into $1 as $DIST_DIR.
install_dist() {
  local version zip
  version="$(keycloak_version)"
  zip="$1/keycloak-quarkus-dist-$version.zip"
  [[ -f "$zip" ]] || die "keycloak-quarkus-dist-$version.zip missing after mvn"
  unzip -q "$zip" -d "$1/unzipped" || die "cannot unzip $zip"
  [[ -f "$1/unzipped/keycloak-$version/bin/kc.sh" ]] || die "no keycloak-$version/bin/kc.sh in $zip"
  rm -rf "$DIST_DIR"
  mv "$1/unzipped/keycloak-$version" "$DIST_DIR"
  pom_sha >"$STAMP_FILE"
}

cmd_fetch() {
  dist_current && return 0
  command -v unzip >/dev/null 2>&1 || die "unzip not found on PATH"
  local version
  version="$(keycloak_version)"
  maven_fetch "Keycloak $version" dist_current install_dist
}

# ---------------------------------------------------------------- credentials

new_secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

# Fill credentials.env with what is missing (the environment wins over the file), then export everything.
load_credentials() {
  mkdir -p "$RUN_DIR"
  local -a names=(ABRI_KEYCLOAK_ADMIN_USER ABRI_KEYCLOAK_ADMIN_PASSWORD)
  local name value line
  for name in "${CLIENTS[@]}"; do names+=("ABRI_KEYCLOAK_CLIENT_${name}_SECRET"); done
  for name in "${USERS[@]}"; do names+=("ABRI_KEYCLOAK_PASSWORD_${name}"); done
  for name in "${TOTP_USERS[@]}"; do names+=("ABRI_KEYCLOAK_TOTP_${name}"); done
  declare -A saved=()
  if [[ -f "$CREDENTIALS" ]]; then
    while IFS= read -r line || [[ -n "$line" ]]; do
      [[ "$line" =~ ^([A-Z0-9_]+)=(.*)$ ]] && saved["${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]}"
    done <"$CREDENTIALS"
  fi
  local tmp="$CREDENTIALS.tmp.$$"
  (
    umask 077
    {
      echo "# Keycloak credentials of $RUN_DIR (generated by infra/keycloak/keycloak.sh; never commit)"
      for name in "${names[@]}"; do
        value="${!name:-${saved[$name]:-}}"
        if [[ -z "$value" ]]; then
          if [[ "$name" == ABRI_KEYCLOAK_ADMIN_USER ]]; then value="admin"; else value="$(new_secret)"; fi
        fi
        printf '%s=%s\n' "$name" "$value"
      done
    } >"$tmp"
  )
  mv "$tmp" "$CREDENTIALS"
  chmod 600 "$CREDENTIALS"
  while IFS= read -r line; do
    [[ "$line" =~ ^([A-Z0-9_]+)=(.*)$ ]] && export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
  done <"$CREDENTIALS"
  export KC_BOOTSTRAP_ADMIN_USERNAME="$ABRI_KEYCLOAK_ADMIN_USER"
  export KC_BOOTSTRAP_ADMIN_PASSWORD="$ABRI_KEYCLOAK_ADMIN_PASSWORD"
}

cmd_env() {
  [[ -f "$CREDENTIALS" ]] || die "no $CREDENTIALS yet: run '$0 start' first"
  grep -v '^#' "$CREDENTIALS"
}

# ---------------------------------------------------------------- process helpers

# True if pid is the kc.sh or the JVM of *this* run dir.
pid_is_ours() {
  local args
  pid_exists "$1" || return 1
  args="$(ps -ww -o args= -p "$1" 2>/dev/null)" || return 1
  [[ "$args" == *"$HOME_DIR/bin"* ]]
}

server_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(<"$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && pid_is_ours "$pid" && echo "$pid"
}

show_logs_tail() {
  if [[ -s "$OUT_FILE" ]]; then
    log "--- last lines of $OUT_FILE"
    tail -n 25 "$OUT_FILE" >&2 || true
  fi
}

# ---------------------------------------------------------------- start / wait

# A home of this run dir's own: Keycloak keeps its data (H2 database, import dir, tmp) in <home>/data,
# so each run dir gets a home whose lib/, themes/ and providers/ are the shared distribution.
prepare_home() {
  mkdir -p "$HOME_DIR/bin" "$HOME_DIR/data/import" "$LOG_DIR"
  cp -f "$DIST_DIR/bin/kc.sh" "$HOME_DIR/bin/kc.sh"
  [[ -d "$HOME_DIR/conf" ]] || cp -r "$DIST_DIR/conf" "$HOME_DIR/conf"
  local name
  for name in lib themes providers; do
    ln -sfn "$DIST_DIR/$name" "$HOME_DIR/$name"
  done
  cp -f "$REALM_FILE" "$HOME_DIR/data/import/realm-abri.json"
}

launch_locked() {
  local pid
  if pid="$(server_pid)"; then
    log "already running (pid $pid, $RUN_DIR)"
    return 0
  fi
  rm -f "$PID_FILE"
  port_in_use "$PORT" && die "port 127.0.0.1:$PORT is already in use (set ABRI_KEYCLOAK_PORT)"
  prepare_home
  load_credentials
  local java_home
  java_home="$(find_java_home)"
  local -a kc_cmd=(
    bash "$HOME_DIR/bin/kc.sh" start-dev
    --http-host=127.0.0.1 "--http-port=$PORT" "--hostname=$BASE_URL"
    --import-realm --log=console --log-console-color=false
  )
  printf '\n===== %s start (Java %s, heap %s, %s): %s\n' "$(date -u +%FT%TZ)" "$(java_major "$java_home")" "$HEAP" "$JVM_OPTS" \
    "${kc_cmd[*]}" >>"$OUT_FILE"
  local close_fds
  close_fds="$(lock_fds_closer)"
  # setsid: its own session and process group (kc.sh and its JVM), which stop signals as a whole.
  # shellcheck disable=SC2016  # $$ and $@ expand in the child shell
  JAVA_HOME="$java_home" JAVA_OPTS_KC_HEAP="-Xms$HEAP -Xmx$HEAP" JAVA_OPTS_APPEND="$JVM_OPTS" \
    setsid bash -c "${close_fds}"'echo $$ >"$0"; exec "$@"' "$PID_FILE" "${kc_cmd[@]}" </dev/null >>"$OUT_FILE" 2>&1 &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.05
  done
  [[ -s "$PID_FILE" ]] || die "Keycloak did not start (see $OUT_FILE)"
  log "started pid $(<"$PID_FILE") (Keycloak $(keycloak_version), $ISSUER, dir $RUN_DIR)"
}

# wait_ready <timeout_s>: the realm's discovery document answers with the expected issuer.
wait_ready() {
  local deadline=$((SECONDS + $1)) pid="" body
  [[ -f "$PID_FILE" ]] && pid="$(<"$PID_FILE")"
  while ((SECONDS < deadline)); do
    if body="$(curl -fsS --max-time 3 "$DISCOVERY" 2>/dev/null)" && [[ "$body" == *"\"issuer\":\"$ISSUER\""* ]]; then
      return 0
    fi
    if [[ "$pid" =~ ^[0-9]+$ ]] && ! pid_exists "$pid"; then
      log "pid $pid exited"
      return 1
    fi
    sleep 0.5
  done
  return 1
}

cmd_wait() {
  if ! wait_ready "$WAIT_TIMEOUT"; then
    show_logs_tail
    die "$DISCOVERY is not answering"
  fi
}

start_and_wait() {
  with_lock "$LOCK_FILE" launch_locked
  if ! wait_ready "$WAIT_TIMEOUT"; then
    show_logs_tail
    if ! server_pid >/dev/null; then
      rm -f "$PID_FILE"
      die "Keycloak exited during startup"
    fi
    die "Keycloak is not answering $DISCOVERY after ${WAIT_TIMEOUT}s (still running; use '$0 stop')"
  fi
}

first_start_locked() {
  start_and_wait
  touch "$BUILT_STAMP"
}

cmd_start() {
  local t0=$SECONDS
  cmd_fetch
  if [[ -f "$BUILT_STAMP" ]]; then
    start_and_wait
  else
    # The first start-dev rewrites the shared lib/quarkus (augmentation): one run dir at a time.
    with_lock "$TARGET_DIR/.build.lock" first_start_locked
  fi
  log "ready after $((SECONDS - t0))s: $ISSUER"
}

# ---------------------------------------------------------------- stop / status

stop_locked() {
  local pid
  if ! pid="$(server_pid)"; then
    rm -f "$PID_FILE"
    log "not running ($RUN_DIR)"
    return 0
  fi
  log "stopping pid $pid and its JVM (SIGTERM, up to ${STOP_TIMEOUT}s)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    log "pid $pid still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait_gone "$pid" 10 || die "pid $pid did not exit"
  # The JVM is in the same process group; make sure nothing of it is left.
  local i
  for ((i = 0; i < 100; i++)); do
    pgrep -g "$pid" >/dev/null 2>&1 || break
    sleep 0.1
  done
  pgrep -g "$pid" >/dev/null 2>&1 && kill -KILL -- "-$pid" 2>/dev/null
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_stop() {
  [[ -d "$RUN_DIR" ]] || { log "not running ($RUN_DIR does not exist)"; return 0; }
  with_lock "$LOCK_FILE" stop_locked
}

cmd_status() {
  local pid
  if ! pid="$(server_pid)"; then
    echo "stopped ($RUN_DIR)"
    return 3
  fi
  if wait_ready 3; then
    echo "running pid $pid, $ISSUER, Keycloak $(keycloak_version), dir $RUN_DIR"
    return 0
  fi
  echo "running pid $pid but not answering $DISCOVERY ($RUN_DIR)"
  return 1
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    -h | --help | help | "") usage; [[ -n "$cmd" ]]; return ;;
  esac
  validate_env
  case "$cmd" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    wait) cmd_wait ;;
    status) cmd_status ;;
    env) cmd_env ;;
    stop) cmd_stop ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
