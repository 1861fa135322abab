#!/usr/bin/env bash
# Builds Junction's Debian package, junction_<version>_<arch>.deb, from the release binary that
# scripts/build-release.sh made (.build/release/junction). Needs only dpkg-deb (and strip, from binutils,
# to drop the symbol table): no network, no root, no debian/ source tree. Install it with
# `apt install ./junction_<version>_<arch>.deb`; docs/PACKAGE.md says what it installs and does.
#
#   scripts/build-deb.sh [OUTDIR]     (default OUTDIR: .build/deb)
#
# Environment:
#   JUNCTION_BIN              the binary to package (default .build/release/junction)
#   JUNCTION_DEB_VERSION      the package version (default: what `junction --version` prints)
#   JUNCTION_DEB_COMPRESSION  dpkg-deb's compressor: xz (default), gzip, zstd or none (the tests use none)
#   JUNCTION_DEB_STRIP        0 keeps the binary's symbol table (default 1: stripped, about 40% smaller)
#   SOURCE_DATE_EPOCH         the date of the changelog entry and the files (default: the last commit's)
#
# The files it packages come from packaging/: junction.cnf, junction.service, deb/ (maintainer scripts, docs).
set -euo pipefail
# OUTDIR and JUNCTION_BIN are taken from where the script is run; the defaults are in the repository.
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
OUTDIR="${1:+$(abs "$1")}"
BIN="${JUNCTION_BIN:+$(abs "$JUNCTION_BIN")}"
cd "$(dirname "$0")/.."
REPO="$PWD"
OUTDIR="${OUTDIR:-$REPO/.build/deb}"
BIN="${BIN:-$REPO/.build/release/junction}"
COMPRESSION="${JUNCTION_DEB_COMPRESSION:-xz}"
PKG="$REPO/packaging"

if [ ! -x "$BIN" ]; then
    echo "build-deb: $BIN not found: build Junction first with scripts/build-release.sh" >&2
    exit 1
fi
command -v dpkg-deb >/dev/null 2>&1 || { echo "build-deb: dpkg-deb not found (Debian's dpkg package)" >&2; exit 1; }

# The version: the binary says which one it is; the source's should agree (else the binary is stale).
built_version="$("$BIN" --version | head -n1 | tr -d '[:space:]')"
source_version="$(sed -n 's/.*public static let string = "\([^"]*\)".*/\1/p' Sources/Junction/JunctionApp.swift | head -n1)"
if [ -n "$source_version" ] && [ "$built_version" != "$source_version" ]; then
    echo "build-deb: warning: $BIN is version $built_version but Sources/ say $source_version (rebuild with scripts/build-release.sh?)" >&2
fi
VERSION="${JUNCTION_DEB_VERSION:-$built_version}"
if ! printf '%s' "$VERSION" | grep -Eq '^[0-9][A-Za-z0-9.+~-]*$'; then
    echo "build-deb: '$VERSION' is not a Debian version (digits first, then letters, digits and . + ~ -)" >&2
    exit 1
fi
ARCH="$(dpkg --print-architecture)"

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
fi
export SOURCE_DATE_EPOCH

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/junction-deb.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
ROOT="$STAGE/root"

# ---------------------------------------------------------------- the files
install -d -m 0755 "$ROOT/usr/bin" "$ROOT/etc/junction" "$ROOT/lib/systemd/system" "$ROOT/usr/share/doc/junction"
if [ "${JUNCTION_DEB_STRIP:-1}" != 0 ] && command -v strip >/dev/null 2>&1; then
    strip --strip-unneeded --remove-section=.comment -o "$ROOT/usr/bin/junction" "$BIN"
else
    cp "$BIN" "$ROOT/usr/bin/junction"
fi
chmod 0755 "$ROOT/usr/bin/junction"
# Readable by root only until postinst gives it to the junction group (dpkg-statoverride root:junction 0640).
install -m 0640 "$PKG/junction.cnf" "$ROOT/etc/junction/junction.cnf"
install -m 0644 "$PKG/junction.service" "$ROOT/lib/systemd/system/junction.service"
# postinst makes it junction:junction (dpkg-statoverride), once the user exists.
install -d -m 0750 "$ROOT/var/lib/junction"
install -m 0644 "$PKG/deb/copyright" "$ROOT/usr/share/doc/junction/copyright"
install -m 0644 "$PKG/deb/README" "$ROOT/usr/share/doc/junction/README"
{
    echo "junction ($VERSION) unstable; urgency=medium"
    echo
    echo "  * Junction $VERSION, packaged from the release build."
    echo
    echo " -- Junction team <junction@localhost>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$ROOT/usr/share/doc/junction/changelog.Debian.gz"
chmod 0644 "$ROOT/usr/share/doc/junction/changelog.Debian.gz"

# ---------------------------------------------------------------- control data
install -d -m 0755 "$ROOT/DEBIAN"
for script in postinst prerm postrm; do
    install -m 0755 "$PKG/deb/$script" "$ROOT/DEBIAN/$script"
done
echo "/etc/junction/junction.cnf" > "$ROOT/DEBIAN/conffiles"
# md5sums of every file but the conffile (dpkg keeps conffiles' sums itself): `dpkg --verify junction`.
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f ! -path ./etc/junction/junction.cnf -print \
    | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) > "$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/conffiles" "$ROOT/DEBIAN/md5sums"

INSTALLED_SIZE="$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)"
# Depends: the shared libraries the binary links (ldd: libc, libm, libstdc++, libgcc_s, libsqlite3; the Swift
# runtime is linked in), with the versions dpkg-shlibdeps derives; adduser for postinst.
cat > "$ROOT/DEBIAN/control" <<EOF
Package: junction
Version: $VERSION
Architecture: $ARCH
Maintainer: Junction team <junction@localhost>
Installed-Size: $INSTALLED_SIZE
Depends: libc6 (>= 2.35), libgcc-s1 (>= 3.3.1), libsqlite3-0 (>= 3.20.0), libstdc++6 (>= 12), adduser
Suggests: mariadb-client | default-mysql-client
Section: net
Priority: optional
Description: MySQL proxy compatible with ProxySQL 2.x
 Junction sits between applications and a group of MySQL/MariaDB servers (a
 primary and its replicas). It speaks the MySQL protocol on both sides, pools
 and multiplexes backend connections, splits reads from writes with query
 rules, and keeps each client's session state intact across pooled
 connections.
 .
 Its configuration file, admin interface (port 6032) and table and variable
 names are those of ProxySQL 2.x. This package runs it as the systemd service
 junction.service, as the junction system user.
EOF

find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$OUTDIR"
DEB="$OUTDIR/junction_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
