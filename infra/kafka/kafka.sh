#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) broker for Abri development and tests.
#
# Usage: infra/kafka/kafka.sh <command>
#   fetch   copy the Kafka jars (version pinned in pom.xml) into target/lib via Maven
#   format  format the data dir (only if not formatted yet)
#   start   fetch + format if needed, start detached, wait for metadata, create topics
#   wait    wait (ABRI_KAFKA_WAIT_TIMEOUT s, default 60) until the broker answers metadata
#   status  exit 0 if running and answering, 1 if running but not answering, 3 if stopped
#   topics  create missing topics from topics.yaml (idempotent)
#   acls    add each service's ACLs from the event contracts (idempotent, once per table)
#   stop    SIGTERM, wait up to ABRI_KAFKA_STOP_TIMEOUT s (default 30), then SIGKILL
#   kill    SIGKILL immediately (fault tests)
#
# Environment (all optional):
#   ABRI_KAFKA_PORT=9092             SASL_SSL listener (SCRAM-SHA-512) on 127.0.0.1; certificates and
#                                    passwords generated at first start in <run dir>/security
#   ABRI_KAFKA_CONTROLLER_PORT=9093  KRaft controller listener on 127.0.0.1
#   ABRI_KAFKA_DIR=.run/kafka        run dir; relative paths are resolved against the repo root
#   ABRI_KAFKA_HEAP=512m             -Xms and -Xmx
#   ABRI_KAFKA_WAIT_TIMEOUT=60       seconds for start/wait
#   ABRI_KAFKA_STOP_TIMEOUT=30       seconds before stop escalates to SIGKILL
#   ABRI_KAFKA_PYTHON                Python with aiokafka, pyyaml, cryptography and Abri's contracts
#                                    (default: <repo>/.venv/bin/python)
#   ABRI_KAFKA_ACLS=on               off: no per-service ACLs (a test's own broker, used as its super user)
#   A node of a cluster (infra/kafka/cluster.py sets these; the defaults make the single broker):
#   ABRI_KAFKA_NODE_ID=1             KRaft node id
#   ABRI_KAFKA_QUORUM_VOTERS         static controller quorum, id@127.0.0.1:port,... (default: this node alone)
#   ABRI_KAFKA_REPLICATION=1         replicas of every topic (internal ones too); start waits for that many brokers
#   ABRI_KAFKA_MIN_INSYNC=1          min.insync.replicas (in sync replicas an acks=all write needs)
#   ABRI_KAFKA_CLUSTER_ID            the cluster id the data dir is formatted with (default: a new random one)
#   JAVA_HOME                        Java 17+ (default: java on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
# log, die, with_lock, lock_fds_closer, pid_exists, wait_gone, port_in_use, usage
# shellcheck source-path=SCRIPTDIR/../lib source=daemon.sh
. "$SCRIPT_DIR/../lib/daemon.sh"
# pom_property, fetched_current, maven_fetch, install_lib
# shellcheck source-path=SCRIPTDIR/../lib source=maven-fetch.sh
. "$SCRIPT_DIR/../lib/maven-fetch.sh"

PORT="${ABRI_KAFKA_PORT:-9092}"
LOG_PREFIX="kafka.sh[$PORT]"
CONTROLLER_PORT="${ABRI_KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${ABRI_KAFKA_HEAP:-512m}"
WAIT_TIMEOUT="${ABRI_KAFKA_WAIT_TIMEOUT:-60}"
STOP_TIMEOUT="${ABRI_KAFKA_STOP_TIMEOUT:-30}"
NODE_ID="${ABRI_KAFKA_NODE_ID:-1}"
QUORUM_VOTERS="${ABRI_KAFKA_QUORUM_VOTERS:-$NODE_ID@127.0.0.1:$CONTROLLER_PORT}"
REPLICATION="${ABRI_KAFKA_REPLICATION:-1}"
MIN_INSYNC="${ABRI_KAFKA_MIN_INSYNC:-1}"
CLUSTER_ID="${ABRI_KAFKA_CLUSTER_ID:-}"
RUN_DIR="${ABRI_KAFKA_DIR:-.run/kafka}"
case "$RUN_DIR" in
  /*) ;;
  *) RUN_DIR="$REPO_ROOT/$RUN_DIR" ;;
esac

POM="$SCRIPT_DIR/pom.xml"
TEMPLATE="$SCRIPT_DIR/server.properties.template"
LOG4J_CONFIG="$SCRIPT_DIR/log4j2.properties"
TOPICS_PY="$SCRIPT_DIR/topics.py"
SECURITY_PY="$SCRIPT_DIR/security.py"
ACLS_PY="$SCRIPT_DIR/acls.py"
TOPICS_YAML="$SCRIPT_DIR/topics.yaml"
TARGET_DIR="$SCRIPT_DIR/target"
LIB_DIR="$TARGET_DIR/lib"
STAMP_FILE="$LIB_DIR/.pom.sha256"

DATA_DIR="$RUN_DIR/data"
SECURITY_DIR="$RUN_DIR/security"
LOG_DIR="$RUN_DIR/logs"
PROPS="$RUN_DIR/server.properties"
PID_FILE="$RUN_DIR/kafka.pid"
OUT_FILE="$LOG_DIR/kafka.out"
LOCK_FILE="$RUN_DIR/.kafka.sh.lock"
BOOTSTRAP="127.0.0.1:$PORT"

if [[ -n "${JAVA_HOME:-}" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

if [[ -n "${ABRI_KAFKA_PYTHON:-}" ]]; then
  PYTHON="$ABRI_KAFKA_PYTHON"
elif [[ -x "$REPO_ROOT/.venv/bin/python" ]]; then
  PYTHON="$REPO_ROOT/.venv/bin/python"
else
  PYTHON="python3"
fi

validate_env() {
  local name value
  for name in PORT CONTROLLER_PORT WAIT_TIMEOUT STOP_TIMEOUT NODE_ID REPLICATION MIN_INSYNC; do
    value="${!name}"
    [[ "$value" =~ ^[0-9]+$ ]] || die "ABRI_KAFKA_$name must be a number, got '$value'"
  done
  ((PORT > 0 && PORT < 65536 && CONTROLLER_PORT > 0 && CONTROLLER_PORT < 65536)) \
    || die "ports must be in 1..65535"
  [[ "$PORT" != "$CONTROLLER_PORT" ]] || die "ABRI_KAFKA_PORT and ABRI_KAFKA_CONTROLLER_PORT must differ"
  [[ "$HEAP" =~ ^[0-9]+[kKmMgG]?$ ]] || die "ABRI_KAFKA_HEAP must look like 512m, got '$HEAP'"
  ((REPLICATION >= 1 && MIN_INSYNC >= 1 && MIN_INSYNC <= REPLICATION)) \
    || die "need 1 <= ABRI_KAFKA_MIN_INSYNC <= ABRI_KAFKA_REPLICATION, got $MIN_INSYNC and $REPLICATION"
  [[ "$QUORUM_VOTERS" =~ ^[0-9]+@[A-Za-z0-9.-]+:[0-9]+(,[0-9]+@[A-Za-z0-9.-]+:[0-9]+)*$ ]] \
    || die "ABRI_KAFKA_QUORUM_VOTERS must look like 1@127.0.0.1:9093,2@127.0.0.1:9095, got '$QUORUM_VOTERS'"
  [[ ",$QUORUM_VOTERS," == *",$NODE_ID@127.0.0.1:$CONTROLLER_PORT,"* ]] \
    || die "ABRI_KAFKA_QUORUM_VOTERS must name this node ($NODE_ID@127.0.0.1:$CONTROLLER_PORT)"
  [[ -z "$CLUSTER_ID" || "$CLUSTER_ID" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "ABRI_KAFKA_CLUSTER_ID must be 22 base64url characters"
}

kafka_version() { pom_property kafka.version; }

# ---------------------------------------------------------------- fetch

kafka_jar() { echo "kafka_2.13-$(kafka_version).jar"; }

libs_current() { fetched_current "$STAMP_FILE" "$LIB_DIR/$(kafka_jar)"; }

install_libs() { install_lib "$1" "$LIB_DIR" "$(kafka_jar)"; }

cmd_fetch() {
  local version
  version="$(kafka_version)"
  maven_fetch "Kafka $version jars" libs_current install_libs -DincludeScope=runtime
}

# ---------------------------------------------------------------- process helpers

# True if pid is a Kafka JVM running on *this* run dir's server.properties.
pid_is_our_broker() {
  local args
  pid_exists "$1" || return 1
  args="$(ps -ww -o args= -p "$1" 2>/dev/null)" || return 1
  [[ "$args" == *"kafka.Kafka $PROPS"* ]]
}

# Print the broker pid for this run dir, if one is running.
broker_pid() {
  local pid=""
  if [[ -f "$PID_FILE" ]]; then
    pid="$(<"$PID_FILE")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && pid_is_our_broker "$pid"; then
      echo "$pid"
      return 0
    fi
  fi
  # Pid file missing or stale: look for a JVM started on our server.properties.
  local cand args
  while read -r cand args; do
    if [[ "$args" == *"kafka.Kafka $PROPS"* ]] && pid_exists "$cand"; then
      echo "$cand"
      return 0
    fi
  done < <(ps -ww -eo pid=,args= 2>/dev/null)
  return 1
}

cluster_id() {
  sed -n 's/^cluster\.id=//p' "$DATA_DIR/meta.properties" 2>/dev/null | head -n1
}

java_tool() {
  "$JAVA" -Xms64m -Xmx256m \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$LIB_DIR/*" "$@"
}

# ---------------------------------------------------------------- config + format

render_config() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  local tmp="$PROPS.tmp.$$" line admin_password
  admin_password="$("$PYTHON" "$SECURITY_PY" admin-password "$RUN_DIR")"
  (
    umask 077  # the admin's password is in it
    while IFS= read -r line || [[ -n "$line" ]]; do
      line="${line//@PORT@/$PORT}"
      line="${line//@CONTROLLER_PORT@/$CONTROLLER_PORT}"
      line="${line//@DATA_DIR@/$DATA_DIR}"
      line="${line//@SECURITY_DIR@/$SECURITY_DIR}"
      line="${line//@ADMIN_PASSWORD@/$admin_password}"
      line="${line//@BROKER_SUBJECT@/abri-kafka-broker}"
      line="${line//@NODE_ID@/$NODE_ID}"
      line="${line//@QUORUM_VOTERS@/$QUORUM_VOTERS}"
      line="${line//@REPLICATION@/$REPLICATION}"
      line="${line//@MIN_INSYNC@/$MIN_INSYNC}"
      printf '%s\n' "$line"
    done <"$TEMPLATE" >"$tmp"
  )
  mv "$tmp" "$PROPS"
}

# Certificates and SCRAM passwords, generated once (infra/kafka/security.py). A data dir formatted without
# them (an older, plaintext broker) is formatted again: its users are bootstrapped at format time.
ensure_security() {
  local state
  if broker_pid >/dev/null; then
    return 0  # a running broker keeps the material it started with
  fi
  state="$("$PYTHON" "$SECURITY_PY" ensure "$RUN_DIR")"
  if [[ "$state" == created ]] && is_formatted; then
    log "new security material: formatting $DATA_DIR again (the local broker's events are discarded)"
    rm -rf "$DATA_DIR"
  fi
  if is_formatted && [[ ! -f "$DATA_DIR/.abri-secured" ]]; then
    log "$DATA_DIR was formatted without SASL/SCRAM users: formatting it again (the local broker's events are discarded)"
    rm -rf "$DATA_DIR"
  fi
}

is_formatted() { [[ -f "$DATA_DIR/meta.properties" ]]; }

format_locked() {
  if is_formatted; then
    return 0
  fi
  if broker_pid >/dev/null; then
    die "a broker is running on $RUN_DIR but its data dir is not formatted; stop it first"
  fi
  render_config
  local uuid="$CLUSTER_ID"  # the nodes of a cluster share one
  [[ -n "$uuid" ]] || uuid="$(java_tool kafka.tools.StorageTool random-uuid | tail -n1)"
  [[ "$uuid" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid returned '$uuid'"
  log "formatting $DATA_DIR (cluster id $uuid) with the SCRAM users of $SECURITY_DIR"
  local -a scram=()
  mapfile -d '' -t scram < <("$PYTHON" "$SECURITY_PY" scram-args "$RUN_DIR")
  # With controller.quorum.voters set, --standalone must not be passed.
  java_tool kafka.tools.StorageTool format -t "$uuid" -c "$PROPS" "${scram[@]}" >&2
  touch "$DATA_DIR/.abri-secured"
}

cmd_format() {
  cmd_fetch
  ensure_security
  if is_formatted; then
    log "already formatted: $DATA_DIR (cluster id $(cluster_id))"
    return 0
  fi
  with_lock "$LOCK_FILE" format_locked
}

# ---------------------------------------------------------------- start / wait / topics

launch_locked() {
  local pid
  if pid="$(broker_pid)"; then
    log "already running (pid $pid, $RUN_DIR)"
    echo "$pid" >"$PID_FILE"
    return 0
  fi
  rm -f "$PID_FILE"
  ensure_security
  format_locked
  render_config
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_in_use "$p"; then
      die "port 127.0.0.1:$p is already in use (another broker? set ABRI_KAFKA_PORT / ABRI_KAFKA_CONTROLLER_PORT)"
    fi
  done

  local -a java_cmd=(
    "$JAVA" "-Xms$HEAP" "-Xmx$HEAP"
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$LOG4J_CONFIG"
    "-Dkafka.logs.dir=$LOG_DIR"
    -cp "$LIB_DIR/*"
    kafka.Kafka "$PROPS"
  )
  local -a detach=()
  if command -v setsid >/dev/null 2>&1; then
    detach=(setsid)   # own session: Ctrl-C in the caller's terminal does not reach the JVM
  else
    detach=(nohup)
  fi
  printf '\n===== %s start: %s\n' "$(date -u +%FT%TZ)" "${java_cmd[*]}" >>"$OUT_FILE"
  # The child writes its own pid (then execs the JVM, keeping that pid), so the
  # pid file is right whether or not setsid forks. Lock fds are closed for the JVM.
  local close_fds
  close_fds="$(lock_fds_closer)"
  # shellcheck disable=SC2016  # $$ and $@ must expand in the child shell
  "${detach[@]}" bash -c "${close_fds}"'echo $$ >"$0"; exec "$@"' "$PID_FILE" "${java_cmd[@]}" \
    </dev/null >>"$OUT_FILE" 2>&1 &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.05
  done
  [[ -s "$PID_FILE" ]] || die "broker process did not start (see $OUT_FILE)"
  # Hold the lock until the exec has happened, so that a concurrent start
  # recognises the JVM by its command line.
  pid="$(<"$PID_FILE")"
  for ((i = 0; i < 100; i++)); do
    pid_is_our_broker "$pid" && break
    pid_exists "$pid" || break
    sleep 0.05
  done
  log "started pid $(<"$PID_FILE") (Kafka $(kafka_version), $BOOTSTRAP, dir $RUN_DIR)"
}

show_logs_tail() {
  local f
  for f in "$OUT_FILE" "$LOG_DIR/server.log"; do
    if [[ -s "$f" ]]; then
      log "--- last lines of $f"
      tail -n 20 "$f" >&2 || true
    fi
  done
}

# The admin's connection for topics.py (SASL_SSL, SCRAM-SHA-512, the local CA).
admin_env() {
  ABRI_KAFKA_USERNAME=admin \
    ABRI_KAFKA_PASSWORD="$("$PYTHON" "$SECURITY_PY" admin-password "$RUN_DIR")" \
    ABRI_KAFKA_CA_FILE="$SECURITY_DIR/ca.pem" \
    "$@"
}

# wait_ready <timeout_s> [<brokers>]: until the broker answers metadata listing that many brokers (default 1)
wait_ready() {
  local pid="" cid
  cid="$(cluster_id)"
  if [[ -f "$PID_FILE" ]]; then pid="$(<"$PID_FILE")"; fi
  local -a args=(--bootstrap "$BOOTSTRAP" --check --timeout "$1")
  [[ "${2:-1}" != 1 ]] && args+=(--min-brokers "$2")
  [[ "$pid" =~ ^[0-9]+$ ]] && args+=(--pid "$pid")
  [[ -n "$cid" ]] && args+=(--cluster-id "$cid")
  admin_env "$PYTHON" "$TOPICS_PY" "${args[@]}"
}

cmd_wait() {
  # Works for a broker started by another process too; fails fast if the pid
  # in the pid file dies.
  if ! wait_ready "$WAIT_TIMEOUT"; then
    show_logs_tail
    die "broker on $BOOTSTRAP is not answering metadata"
  fi
}

cmd_topics() {
  local -a args=(--bootstrap "$BOOTSTRAP" --file "$TOPICS_YAML" --timeout "$WAIT_TIMEOUT")
  [[ "$REPLICATION" != 1 ]] && args+=(--replication-factor "$REPLICATION")
  admin_env "$PYTHON" "$TOPICS_PY" "${args[@]}"
}

# Each service's ACLs from the event contracts (infra/kafka/acls.py), once per table (a stamp in the data dir).
cmd_acls() {
  if [[ "${ABRI_KAFKA_ACLS:-on}" == off ]]; then
    log "ACLs not applied (ABRI_KAFKA_ACLS=off: a test's own broker, used by its super user only)"
    return 0
  fi
  local config
  config="$("$PYTHON" "$SECURITY_PY" admin-config "$RUN_DIR")"
  "$PYTHON" "$ACLS_PY" apply --bootstrap "$BOOTSTRAP" --command-config "$config" --lib "$LIB_DIR" --java "$JAVA" --stamp "$DATA_DIR/.abri-acls"
}

cmd_start() {
  local t0=$SECONDS
  cmd_fetch
  with_lock "$LOCK_FILE" launch_locked
  # A node of a cluster: its topics need as many brokers as replicas (the other nodes start meanwhile).
  if ! wait_ready "$WAIT_TIMEOUT" "$REPLICATION"; then
    show_logs_tail
    if ! broker_pid >/dev/null; then
      rm -f "$PID_FILE"
      die "broker exited during startup"
    fi
    die "broker is not answering metadata (still running; use '$0 stop')"
  fi
  log "ready after $((SECONDS - t0))s"
  cmd_topics
  cmd_acls
}

# ---------------------------------------------------------------- stop / kill / status

stop_locked() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    log "not running ($RUN_DIR)"
    return 0
  fi
  if [[ "$1" == TERM ]]; then
    log "stopping pid $pid (SIGTERM, up to ${STOP_TIMEOUT}s)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
      log "pid $pid still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  else
    log "killing pid $pid (SIGKILL)"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait_gone "$pid" 10 || die "pid $pid did not exit"
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_stop() {
  [[ -d "$RUN_DIR" ]] || { log "not running ($RUN_DIR does not exist)"; return 0; }
  with_lock "$LOCK_FILE" stop_locked TERM
}
cmd_kill() {
  [[ -d "$RUN_DIR" ]] || { log "not running ($RUN_DIR does not exist)"; return 0; }
  with_lock "$LOCK_FILE" stop_locked KILL
}

cmd_status() {
  local pid
  if ! pid="$(broker_pid)"; then
    echo "stopped ($RUN_DIR)"
    return 3
  fi
  if wait_ready 5 2>/dev/null; then
    echo "running pid $pid, $BOOTSTRAP, Kafka $(kafka_version), dir $RUN_DIR"
    return 0
  fi
  echo "running pid $pid but not answering on $BOOTSTRAP ($RUN_DIR)"
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
    format) cmd_format ;;
    start) cmd_start ;;
    wait) cmd_wait ;;
    status) cmd_status ;;
    topics) cmd_topics ;;
    acls) cmd_acls ;;
    stop) cmd_stop ;;
    kill) cmd_kill ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
