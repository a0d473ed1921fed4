#!/usr/bin/env bash
# Writes the Debian package DIR/ferry_VERSION_amd64.deb (dpkg-deb, no debian/ tree needed):
#
#   bash scripts/package.sh DIR
#
#   /usr/bin/ferry                                  the Release build, stripped
#   /usr/share/man/man1/ferry.1.gz                  `ferry man`
#   /usr/share/bash-completion/completions/ferry    `ferry completion bash`
#   /usr/share/zsh/vendor-completions/_ferry        `ferry completion zsh`
#   /lib/systemd/system/ferry-sync.{service,timer}  cron/examples: a nightly `ferry sync`
#   /lib/systemd/system/ferry-cron.service          cron/examples: the `ferry cron` daemon
#   /usr/share/doc/ferry/config.example.yaml        the plan file, key by key
#
# Depends: comes from dpkg-shlibdeps on the binary (the libraries it links and the packages
# that ship them). postinst adds the system user `ferry` the units run as; no unit is enabled
# (the plan /etc/ferry/plan.yaml is the administrator's to write). Time stamps are
# SOURCE_DATE_EPOCH (default: the commit's time). FERRY_BUILD_DIR: as for scripts/image.sh.
# Prints the path of the .deb on the last line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "package.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: bash scripts/package.sh DIR"
OUT="$1"
for tool in dpkg-deb dpkg-shlibdeps strip gzip jq git; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (bash scripts/install-deps.sh)"
done
BIN="$(bash "$ROOT/scripts/release-bin.sh")"
version="$("$BIN" version -o json | jq -r .version)"
arch="$(dpkg --print-architecture)"
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct)}"
export SOURCE_DATE_EPOCH="$epoch"   # dpkg-deb clamps the member time stamps to it

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferry-deb.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
pkg="$WORK/ferry"
install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/man/man1" \
           "$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/zsh/vendor-completions" \
           "$pkg/lib/systemd/system" "$pkg/usr/share/doc/ferry"
strip --strip-unneeded -o "$pkg/usr/bin/ferry" "$BIN"
chmod 0755 "$pkg/usr/bin/ferry"
"$BIN" man | gzip -n -9 >"$pkg/usr/share/man/man1/ferry.1.gz"
"$BIN" completion bash >"$pkg/usr/share/bash-completion/completions/ferry"
"$BIN" completion zsh >"$pkg/usr/share/zsh/vendor-completions/_ferry"
for unit in ferry-sync.service ferry-sync.timer ferry-cron.service; do
  install -m 0644 "$ROOT/cron/examples/$unit" "$pkg/lib/systemd/system/$unit"
done
install -m 0644 "$ROOT/config.example.yaml" "$pkg/usr/share/doc/ferry/config.example.yaml"

# dpkg-shlibdeps wants a debian/control to read; the binary's libraries decide the rest.
mkdir -p "$WORK/debian" && touch "$WORK/debian/control"
depends="$(cd "$WORK" && dpkg-shlibdeps -O -e"ferry/usr/bin/ferry" 2>"$WORK/shlibdeps.err" \
           | sed -n 's/^shlibs:Depends=//p')" || { cat "$WORK/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
[ -n "$depends" ] || { cat "$WORK/shlibdeps.err" >&2; die "dpkg-shlibdeps found no dependencies"; }
installed_kb="$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)"

cat >"$pkg/DEBIAN/control" <<CONTROL
Package: ferry
Version: $version
Architecture: $arch
Maintainer: ferry developers <dev@ferry.invalid>
Installed-Size: $installed_kb
Depends: $depends, adduser
Section: admin
Priority: optional
Description: keeps container images in step between OCI/Docker registries
 ferry diffs source and target registries with HEAD requests and copies only
 the missing blobs, following a declarative YAML plan. Run it once
 (ferry sync), on a systemd timer (ferry-sync.timer), or as a daemon with
 webhooks (ferry-cron.service).
CONTROL
cat >"$pkg/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# The units run ferry as the system user `ferry` (home and state: /var/lib/ferry).
set -e
if [ "$1" = configure ] && ! getent passwd ferry >/dev/null; then
  adduser --system --group --home /var/lib/ferry --no-create-home --quiet ferry
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
SCRIPT
cat >"$pkg/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
# The user `ferry` is kept (Debian policy: files it owned may remain).
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
SCRIPT
chmod 0755 "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/postrm"
find "$pkg" -path "$pkg/DEBIAN" -prune -o -type d -exec chmod 0755 {} +

mkdir -p "$OUT"
deb="$OUT/ferry_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "package.sh: $deb (Depends: $depends, adduser)" >&2
echo "$deb"
