#!/usr/bin/env bash
# veraPDF, the PDF/A and PDF/UA validator, for the visa PDF's test (tests/guarantees/test_visa_pdf.py).
#
# Usage: infra/verapdf/verapdf.sh <command>
#   fetch                 copy the veraPDF jar (version pinned in pom.xml) into target/lib via Maven
#   jar                   print the jar's path; fails (exit 1) when it has not been fetched
#   validate FLAVOUR PDF...  validate each PDF against a built-in profile (ua1: PDF/UA-1) and print
#                         veraPDF's XML report; exit 0 when all are compliant, 1 when one is not. Never
#                         fetches: run fetch first.
#
# Environment (all optional):
#   JAVA_HOME             a Java 8+ runtime (default: java on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# log, die, with_lock, usage
# shellcheck source-path=SCRIPTDIR/../lib source=daemon.sh
. "$SCRIPT_DIR/../lib/daemon.sh"
LOG_PREFIX="verapdf.sh"

POM="$SCRIPT_DIR/pom.xml"
TARGET_DIR="$SCRIPT_DIR/target"
LIB_DIR="$TARGET_DIR/lib"
STAMP_FILE="$LIB_DIR/.pom.sha256"
MAIN_CLASS="org.verapdf.apps.GreenfieldCliWrapper"

if [[ -n "${JAVA_HOME:-}" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

verapdf_version() {
  sed -n 's:.*<verapdf\.version>[[:space:]]*\([^<[:space:]]*\)[[:space:]]*</verapdf\.version>.*:\1:p' "$POM" | head -n1
}

pom_sha() { sha256sum "$POM" | cut -d' ' -f1; }

jar_path() { echo "$LIB_DIR/greenfield-apps-$(verapdf_version).jar"; }

# ---------------------------------------------------------------- fetch

jar_current() {
  [[ -f "$STAMP_FILE" && "$(<"$STAMP_FILE")" == "$(pom_sha)" && -f "$(jar_path)" ]]
}

fetch_locked() {
  jar_current && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (needed once to fetch veraPDF)"
  local version tmp
  version="$(verapdf_version)"
  [[ -n "$version" ]] || die "cannot read <verapdf.version> from $POM"
  log "fetching veraPDF $version with Maven into $LIB_DIR"
  mkdir -p "$TARGET_DIR"
  tmp="$(mktemp -d "$TARGET_DIR/lib.tmp.XXXXXX")"
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$TARGET_DIR/mvn.log" 2>&1 </dev/null; then
    rm -rf "$tmp"
    tail -n 30 "$TARGET_DIR/mvn.log" >&2 || true
    die "mvn dependency:copy-dependencies failed (full output: $TARGET_DIR/mvn.log)"
  fi
  [[ -f "$tmp/greenfield-apps-$version.jar" ]] || { rm -rf "$tmp"; die "greenfield-apps-$version.jar missing after mvn"; }
  pom_sha >"$tmp/.pom.sha256"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  log "fetched veraPDF $version"
}

cmd_fetch() {
  jar_current && return 0
  with_lock "$TARGET_DIR/.fetch.lock" fetch_locked
}

cmd_jar() {
  jar_current || die "veraPDF $(verapdf_version) is not fetched: run make verapdf-fetch"
  jar_path
}

cmd_validate() {
  [[ $# -ge 2 ]] || die "usage: verapdf.sh validate FLAVOUR PDF..."
  local jar flavour="$1" pdf
  shift
  jar="$(cmd_jar)"
  for pdf in "$@"; do
    [[ -f "$pdf" ]] || die "no such file: $pdf"
  done
  # exit status: 0 all compliant, 1 one is not, other: veraPDF could not run
  "$JAVA" -cp "$jar" "$MAIN_CLASS" --flavour "$flavour" --format xml "$@"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  jar) cmd_jar ;;
  validate) shift; cmd_validate "$@" ;;
  *) usage; exit 2 ;;
esac
