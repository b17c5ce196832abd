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
# pom_property, fetched_current, maven_fetch, install_lib
# shellcheck source-path=SCRIPTDIR/../lib source=maven-fetch.sh
. "$SCRIPT_DIR/../lib/maven-fetch.sh"
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

verapdf_version() { pom_property verapdf.version; }

jar_path() { echo "$LIB_DIR/greenfield-apps-$(verapdf_version).jar"; }

# ---------------------------------------------------------------- fetch

jar_current() { fetched_current "$STAMP_FILE" "$(jar_path)"; }

install_jar() { install_lib "$1" "$LIB_DIR" "greenfield-apps-$(verapdf_version).jar"; }

cmd_fetch() {
  local version
  version="$(verapdf_version)"
  maven_fetch "veraPDF $version" jar_current install_jar
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
