#!/usr/bin/env bash
# Installs the viewer's .deb with dpkg into a throwaway copy of this machine, checks what it
# installed and registered, then removes and purges it and checks that nothing is left.
#
# The copy is an overlay whose lower layer is this machine's root (so dpkg sees the Debian
# packages really installed here, the viewer's dependencies among them) and whose upper
# layer is a tmpfs, in a private mount namespace: every write lands in memory and vanishes
# with the namespace, and the machine itself is never touched. Needs root (or sudo).
#   tests/package/deb_install.sh PACKAGE.deb
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 PACKAGE.deb" >&2
	exit 2
fi
deb=$(realpath "$1")
self=$(realpath "$0")
repo=$(cd "$(dirname "$self")/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		exec sudo -- "$self" "$deb"
	fi
	echo "deb_install: FAIL: installing a package needs root (or sudo without a password)" >&2
	exit 1
fi
if [ -z "${DEB_INSTALL_NAMESPACE:-}" ]; then
	exec env DEB_INSTALL_NAMESPACE=1 unshare --mount --fork -- "$self" "$deb"
fi

# ---- the throwaway root ------------------------------------------------------------------
mount --make-rprivate /
scratch=$(mktemp -d /tmp/deb-install.XXXXXX)
trap 'umount -R "$scratch" 2>/dev/null || true; rmdir "$scratch" 2>/dev/null || true' EXIT
mount -t tmpfs -o mode=0700 deb-install "$scratch"
mkdir "$scratch/upper" "$scratch/work" "$scratch/root"
mount -t overlay deb-install -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" \
	"$scratch/root"
root=$scratch/root
mount --rbind /proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs deb-install-tmp "$root/tmp"
cp "$deb" "$root/tmp/package.deb"
mkdir -m 700 "$root/tmp/home"

# A login as bare as a fresh desktop session without a desktop: no DE, an empty home, the
# standard XDG directories, so xdg-mime answers only from what the system has installed.
in_root() {
	chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp/home \
		LANG=C.UTF-8 XDG_DATA_DIRS=/usr/local/share:/usr/share XDG_CONFIG_DIRS=/etc/xdg "$@"
}

failures=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; failures=$((failures + 1)); }
not() { ! "$@"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
stop_if_failed() {
	if [ "$failures" -ne 0 ]; then
		echo "deb_install: $failures check(s) failed after $1; stopping" >&2
		exit 1
	fi
}

package=$(dpkg-deb --field "$deb" Package)
scheme=x-scheme-handler/nir-viewer
desktop=/usr/share/applications/$package.desktop
config=/etc/nir-viewer/config.toml
# What the package ships (files and links, not directories), as absolute paths.
dpkg-deb --extract "$deb" "$scratch/contents"
mapfile -t shipped < <(find "$scratch/contents" ! -type d -printf '/%P\n' | LC_ALL=C sort)
rm -rf "$scratch/contents"
# The trees a package may write to, before anything is installed, to compare after purge.
tree() {
	(cd "$root" && find etc usr opt var/lib -xdev -path var/lib/dpkg -prune -o -print \
		2>/dev/null | LC_ALL=C sort)
}
tree >"$scratch/before"

# The directly linked libraries (NEEDED) whose owning package the .deb does not depend on.
undeclared_libraries() {
	local depends needed lib path owner
	depends=$(dpkg-deb --field "$deb" Depends | tr ',|' '\n\n' | sed 's/(.*)//; s/ //g')
	needed=$(readelf -d "$root/usr/bin/$package" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	in_root ldd "/usr/bin/$package" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' |
		while read -r lib path; do
			grep -qxF "$lib" <<<"$needed" || continue
			# dpkg records a library under /lib or /usr/lib, whichever its package ships.
			owner=$(in_root dpkg -S "$path" 2>/dev/null || in_root dpkg -S "${path#/usr}" 2>/dev/null ||
				in_root dpkg -S "/usr$path" 2>/dev/null || echo "unknown")
			owner=${owner%%:*}
			grep -qxF "$owner" <<<"$depends" || echo -n "$lib ($owner) "
		done
}
handler() { in_root xdg-mime query default "$scheme" 2>/dev/null || true; }
in_cache() { grep -qs "^$scheme=.*$package.desktop" "$root/usr/share/applications/mimeinfo.cache"; }
exists() { [ -e "$root$1" ] || [ -L "$root$1" ]; }

echo "deb_install: $(basename "$deb") (${#shipped[@]} files) in a throwaway root"
check "the package is not installed here already" \
	test -z "$(in_root dpkg-query -W -f='${Status}' "$package" 2>/dev/null)"
check "nothing answers for $scheme before install" test -z "$(handler)"
stop_if_failed "the preconditions"

# ---- install -----------------------------------------------------------------------------
echo "dpkg -i"
if ! in_root dpkg -i /tmp/package.deb >"$scratch/log" 2>&1; then
	cat "$scratch/log" >&2
	fail "dpkg -i (dependencies missing, or a maintainer script failed)"
fi
stop_if_failed "dpkg -i"
check "dpkg: installed" test "$(in_root dpkg-query -W -f='${Status}' "$package")" = \
	"install ok installed"
missing=()
for f in "${shipped[@]}"; do exists "$f" || missing+=("$f"); done
check "every shipped file is on disk (${missing[*]:-all there})" test ${#missing[@]} -eq 0
check "/usr/bin/$package is executable" test -x "$root/usr/bin/$package"
check "$desktop is a valid desktop file" in_root desktop-file-validate "$desktop"
check "the desktop file declares MimeType $scheme" \
	grep -Eq "^MimeType=(.*;)?$scheme;" "$root$desktop"
check "the desktop file passes the link to the viewer (Exec=$package %u)" \
	grep -qx "Exec=$package %u" "$root$desktop"
check "icons in the hicolor theme" \
	test -n "$(find "$root/usr/share/icons/hicolor" -path "*/apps/$package.png" | head -n1)"
undeclared=$(undeclared_libraries)
check "every library the viewer links comes from a package in Depends (${undeclared:-all declared})" \
	test -z "$undeclared"
check "$config installed, identical to the default" cmp -s "$root$config" "$repo/packaging/config.toml"
check "$config is a conffile" \
	grep -q "^ $config " <(in_root dpkg-query -W -f='${Conffiles}\n' "$package")
check "the desktop database lists the viewer for $scheme" in_cache
check "xdg-mime query default $scheme answers $package.desktop" \
	test "$(handler)" = "$package.desktop"
check "the installed viewer runs: $package --help" \
	grep -q "Usage: $package" <(in_root "/usr/bin/$package" --help 2>&1)
check "the installed viewer reads the default config as training mode: $package config check" \
	grep -q "^No configuration at $config: the viewer runs in training mode" \
	<(in_root "/usr/bin/$package" config check 2>&1)
stop_if_failed "install"

# ---- an organisation's edit survives reinstalling ----------------------------------------
echo "edit $config, dpkg -i again"
echo '# edited by the organisation' >>"$root$config"
in_root dpkg -i /tmp/package.deb >"$scratch/log" 2>&1 || { cat "$scratch/log" >&2; fail "dpkg -i again"; }
check "the edited $config is kept" grep -q '^# edited by the organisation$' "$root$config"
stop_if_failed "reinstall"

# ---- remove ------------------------------------------------------------------------------
echo "dpkg -r"
in_root dpkg -r "$package" >"$scratch/log" 2>&1 || { cat "$scratch/log" >&2; fail "dpkg -r"; }
check "dpkg: only the configuration is left" \
	test "$(in_root dpkg-query -W -f='${Status}' "$package")" = "deinstall ok config-files"
left=()
for f in "${shipped[@]}"; do [ "$f" = "$config" ] || ! exists "$f" || left+=("$f"); done
check "every shipped file but the conffile is gone (${left[*]:-none left})" test ${#left[@]} -eq 0
check "the edited $config is kept on remove" grep -q '^# edited by the organisation$' "$root$config"
check "the desktop database no longer lists the viewer" not in_cache
check "xdg-mime no longer answers for $scheme" test -z "$(handler)"
stop_if_failed "dpkg -r"

# ---- purge -------------------------------------------------------------------------------
echo "dpkg --purge"
in_root dpkg --purge "$package" >"$scratch/log" 2>&1 || { cat "$scratch/log" >&2; fail "dpkg --purge"; }
check "dpkg: not installed" test -z "$(in_root dpkg-query -W -f='${Status}' "$package" 2>/dev/null \
	| grep -v '^unknown ok not-installed$')"
check "$config is gone" not exists "$config"
check "/etc/nir-viewer is gone" not exists /etc/nir-viewer
tree >"$scratch/after"
# The desktop database's cache is shared by every application; it may have been created.
extra=$(comm -13 "$scratch/before" "$scratch/after" | grep -vx "usr/share/applications/mimeinfo.cache" | paste -sd " " || true)
gone=$(comm -23 "$scratch/before" "$scratch/after" | paste -sd " " || true)
check "nothing the package installed is left (${extra:-no new paths})" test -z "$extra"
check "nothing that was there before is missing (${gone:-none})" test -z "$gone"
stop_if_failed "dpkg --purge"

echo "deb_install: every check passed"
