#!/usr/bin/env bash
# Fetches Debian 12's `bearssl` source package into build/third_party/bearssl, for the
# RISC-V build (the host uses libbearssl-dev). Only Debian's archive is used, through
# a private deb-src list under build/apt, so the system's apt configuration is not
# touched. Idempotent: does nothing when the sources are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/third_party/bearssl
[ -f "$dest/src/hash/sha2small.c" ] && exit 0

apt_dir=$PWD/build/apt
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/download"
cat > "$apt_dir/parts/debian-src.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$apt_dir/parts"
             -o Dir::State::Lists="$apt_dir/lists")
echo "fetch-bearssl: fetching the Debian source package bearssl" >&2
apt-get "${apt_options[@]}" update -q >&2 2>"$apt_dir/update.log" || { cat "$apt_dir/update.log" >&2; exit 1; }
(cd "$apt_dir/download" && apt-get "${apt_options[@]}" source --download-only bearssl >&2 2>>"$apt_dir/update.log") \
    || { echo "fetch-bearssl: apt-get source bearssl failed (see $apt_dir/update.log)" >&2; exit 1; }
orig=$(ls "$apt_dir"/download/bearssl_*.orig.tar.* | head -1)
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
tar -xf "$orig" -C "$dest.tmp" --strip-components=1
[ -f "$dest.tmp/src/hash/sha2small.c" ] || { echo "fetch-bearssl: unexpected layout in $orig" >&2; exit 1; }
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "fetch-bearssl: sources in $dest" >&2
