# shellcheck shell=bash
# Fetching a pom's dependencies through Maven, shared by infra/kafka/kafka.sh, infra/keycloak/keycloak.sh and
# infra/verapdf/verapdf.sh, so that the three fetch, lock and cache the same way. Sourced after daemon.sh
# (it uses log, die and with_lock), never run:
#   . "$SCRIPT_DIR/../lib/maven-fetch.sh"
# The sourcing script sets POM (its pom.xml) and TARGET_DIR (its target/ dir: mvn.log, .fetch.lock and a
# fetch's temporary dir are there). What is fetched is kept with a stamp, the sha256 of the pom it was
# fetched with, so that a fetch is a no-op while the pom is unchanged; two processes fetching at once take
# turns on the lock, and the second finds the first's result current.
#
#   pom_property NAME              print the text of <NAME> in $POM (its first one); dies if there is none
#   pom_sha                        print the sha256 of $POM
#   fetched_current STAMP FILE     true if the file STAMP holds $POM's sha256 and FILE exists
#   maven_fetch LABEL CURRENT INSTALL [MVN_ARG...]
#                                  unless the command CURRENT is true (asked again once the lock is held),
#                                  run `mvn dependency:copy-dependencies MVN_ARG...` into a new temporary dir,
#                                  then `INSTALL DIR`, which checks what Maven copied into DIR and moves it
#                                  into place, writing the stamp last. The temporary dir is removed even when
#                                  INSTALL dies (the EXIT trap is set meanwhile). LABEL names what is fetched
#                                  in messages ("Kafka 4.1.0 jars").
#   install_lib DIR LIB_DIR JAR    an INSTALL: if DIR holds JAR, it becomes LIB_DIR, with the stamp
#                                  LIB_DIR/.pom.sha256 in it

pom_property() {
  local value
  value="$(sed -n "s:.*<${1//./\\.}>[[:space:]]*\([^<[:space:]]*\)[[:space:]]*</${1//./\\.}>.*:\1:p" "$POM" | head -n1)"
  [[ -n "$value" ]] || die "cannot read <$1> from $POM"
  echo "$value"
}

pom_sha() { sha256sum "$POM" | cut -d' ' -f1; }

fetched_current() {
  [[ -f "$1" && "$(<"$1")" == "$(pom_sha)" && -f "$2" ]]
}

maven_fetch() {
  "$2" && return 0
  with_lock "$TARGET_DIR/.fetch.lock" maven_fetch_locked "$@"
}

maven_fetch_locked() {
  local label="$1" current="$2" install="$3" tmp t0=$SECONDS
  shift 3
  "$current" && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (needed once to fetch $label)"
  log "fetching $label with Maven into $TARGET_DIR"
  mkdir -p "$TARGET_DIR"
  tmp="$(mktemp -d "$TARGET_DIR/fetch.tmp.XXXXXX")"
  # shellcheck disable=SC2064  # the path is expanded now, on purpose
  trap "rm -rf -- $(printf '%q' "$tmp")" EXIT
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies "$@" -DoutputDirectory="$tmp/deps" \
      >"$TARGET_DIR/mvn.log" 2>&1 </dev/null; then
    tail -n 30 "$TARGET_DIR/mvn.log" >&2 || true
    die "mvn dependency:copy-dependencies failed (full output: $TARGET_DIR/mvn.log)"
  fi
  "$install" "$tmp/deps"
  rm -rf -- "$tmp"
  trap - EXIT
  log "fetched $label in $((SECONDS - t0))s"
}

install_lib() {
  local dir="$1" lib_dir="$2" jar="$3"
  [[ -f "$dir/$jar" ]] || die "$jar missing after mvn dependency:copy-dependencies"
  pom_sha >"$dir/.pom.sha256"
  rm -rf "$lib_dir"
  mv "$dir" "$lib_dir"
}
