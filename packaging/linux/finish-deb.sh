#!/usr/bin/env bash
# Finishes a .deb made by the Tauri bundler, which does not know about conffiles: every file
# the package installs under /etc is listed in DEBIAN/conffiles, so that dpkg keeps an
# organisation's edits to the managed configuration on upgrade and remove, and deletes the
# file only on purge. Files are owned by root whoever built the package.
#   packaging/linux/finish-deb.sh PACKAGE.deb      (rewrites the file in place)
set -euo pipefail

deb=${1:?usage: finish-deb.sh PACKAGE.deb}
[ -f "$deb" ] || { echo "finish-deb: no such package: $deb" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dpkg-deb --raw-extract "$deb" "$work/root"
(cd "$work/root" && find etc -type f 2>/dev/null | sed 's|^|/|' | LC_ALL=C sort) \
	> "$work/root/DEBIAN/conffiles"
if [ ! -s "$work/root/DEBIAN/conffiles" ]; then
	echo "finish-deb: $deb installs nothing under /etc; the managed configuration is missing" >&2
	exit 1
fi
chmod 644 "$work/root/DEBIAN/conffiles"

# The bundler compresses with gzip; keep that (xz takes minutes on a debug binary).
dpkg-deb --root-owner-group -Zgzip --build "$work/root" "$work/new.deb" >/dev/null
mv "$work/new.deb" "$deb"
echo "finish-deb: $(basename "$deb"): conffiles $(tr '\n' ' ' < "$work/root/DEBIAN/conffiles")"
