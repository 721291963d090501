#!/bin/sh
# The Debian/Ubuntu packages Planbuilder needs beside Python: venv, Pango and fonts for the PDF renderer
# (WeasyPrint). With --tests also what the test suite and the benchmarks drive: poppler (pdftoppm, pdftotext),
# Chromium (browser tests, the PDF reference) and LibreOffice Writer (the Word export must open in it).
# Installs only what is missing (as root, or through sudo), so it is quick and harmless to run again.
set -eu
packages="python3-venv tzdata libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core"
case "${1:-}" in
  --tests) packages="$packages poppler-utils chromium libreoffice-writer-nogui" ;;
  "") ;;
  *) echo "usage: sh scripts/system-packages.sh [--tests]" >&2; exit 2 ;;
esac
missing=""
for package in $packages; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
command -v apt-get >/dev/null || { echo "Install these packages first:$missing" >&2; exit 1; }
as_root=""
[ "$(id -u)" = 0 ] || as_root="sudo"
echo "installing:$missing"
$as_root apt-get update -q
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q $missing
