#!/usr/bin/env bash
# Writes ferry's own container image as an OCI image layout at DIR, without a container engine:
#
#   bash scripts/image.sh DIR
#
# One layer holding the Release build of ferry (stripped) at /usr/local/bin/ferry, the shared
# libraries it links (copied from this machine, found with ldd) under Debian's merged /usr, the
# CA bundle at /etc/ssl/certs/ca-certificates.crt, /etc/passwd and /etc/group with the non-root
# user 65532 (nonroot) and its home, /tmp; nothing else. Entrypoint ["/usr/local/bin/ferry"],
# user 65532:65532, org.opencontainers.image.* labels. Tagged VERSION and latest in the layout.
#
# Reproducible: every time stamp is SOURCE_DATE_EPOCH (default: the commit's time), the layer is
# a sorted tar with uid/gid 0 (65532 for the home directory) and fixed modes, gzip without a
# name or time, and the JSON is written with sorted keys, so two runs on one commit (and one
# machine's libraries) give the same digest. The layout itself is written by ferry: the script
# puts the blobs into a one-tag staging layout and `ferry copy` writes DIR from it (every blob
# digest checked by ferry's layout writer), then adds the `latest` tag.
#
# Environment:
#   FERRY_BUILD_DIR       an existing CMake build directory of type Release to take ferry from
#                         (its `ferry` target is brought up to date there); default build-release/
#                         (scripts/release-bin.sh).
#   SOURCE_DATE_EPOCH     seconds; default `git log -1 --format=%ct`.
#   FERRY_IMAGE_SOURCE    org.opencontainers.image.source; default the git remote origin's URL.
#   FERRY_IMAGE_LICENSES  org.opencontainers.image.licenses (SPDX); default NOASSERTION.
#
# Prints the manifest digest on the last line. Push it with ferry itself:
#   ferry copy oci:DIR:VERSION docker://REGISTRY/ferry:VERSION
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "image.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: bash scripts/image.sh DIR"
OUT="$1"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
  die "$OUT exists and is not empty; remove it or name another directory"
fi
for tool in git jq tar gzip sha256sum strip ldd; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (bash scripts/install-deps.sh)"
done

# ------------------------------------------------------------------------------ the binary
BIN="$(bash "$ROOT/scripts/release-bin.sh")"

version="$("$BIN" version -o json | jq -r .version)"
revision="$(git -C "$ROOT" rev-parse HEAD)"
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
  echo "image.sh: warning: the work tree has uncommitted changes; the image is not the commit's" >&2
  revision="$revision-dirty"
fi
# The machine's architecture is the image's (its libraries go in): Debian's names for amd64 and
# arm64 are OCI's.
arch="$(dpkg --print-architecture 2>/dev/null || echo unknown)"
case "$arch" in amd64|arm64) ;; *) die "architecture $arch: only amd64 and arm64 are known here" ;; esac
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct)}"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
source_url="${FERRY_IMAGE_SOURCE:-$(git -C "$ROOT" remote get-url origin 2>/dev/null || echo unknown)}"
licenses="${FERRY_IMAGE_LICENSES:-NOASSERTION}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferry-image.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
rootfs="$WORK/rootfs"

# ------------------------------------------------------------------------------ the root fs
# Debian's merged /usr: the libraries live in usr/lib/x86_64-linux-gnu, the loader in usr/lib64,
# and lib, lib64 are symlinks, so the paths ldd prints (/lib/..., /lib64/...) resolve.
mkdir -p "$rootfs"/usr/local/bin "$rootfs"/usr/lib "$rootfs"/usr/lib64 "$rootfs"/etc/ssl/certs \
         "$rootfs"/home/nonroot "$rootfs"/tmp
strip --strip-unneeded -o "$rootfs/usr/local/bin/ferry" "$BIN"
ln -s usr/lib "$rootfs/lib"
ln -s usr/lib64 "$rootfs/lib64"

# ldd lines: "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" and the loader
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
ldd_out="$(LC_ALL=C ldd "$BIN")"
if grep -q "not found" <<<"$ldd_out"; then
  die "ferry links a library this machine lacks: $(grep 'not found' <<<"$ldd_out" | tr -s ' \t' ' ')"
fi
# The loader (the line without "=>") stays executable; the libraries are 0644 as Debian ships them.
loaders=()
while read -r kind path; do
  case "$path" in
    /lib64/*|/usr/lib64/*) dest="$rootfs/usr/lib64/$(basename "$path")" ;;
    /lib/*|/usr/lib/*) rel="${path#/usr}"; dest="$rootfs/usr${rel}" ;;
    *) die "library outside /lib and /usr/lib: $path" ;;
  esac
  mkdir -p "$(dirname "$dest")"
  cp -L "$path" "$dest"
  if [ "$kind" = loader ]; then loaders+=("$dest"); fi
done < <(awk '/=>/ { if ($3 ~ /^\//) print "lib", $3; next } $1 ~ /^\// { print "loader", $1 }' <<<"$ldd_out" | LC_ALL=C sort -u)
[ ${#loaders[@]} -eq 1 ] || die "ldd named ${#loaders[@]} program loaders for $BIN"

ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca_bundle" ] || die "$ca_bundle is missing (apt-get install ca-certificates)"
cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
# glibc resolves host names from /etc/hosts, then DNS (the runtime supplies both files).
echo "hosts: files dns" >"$rootfs/etc/nsswitch.conf"

# Modes do not depend on the umask of whoever runs this.
find "$rootfs" -type d -exec chmod 0755 {} +
find "$rootfs" -type f -exec chmod 0644 {} +
chmod 0755 "$rootfs/usr/local/bin/ferry" "${loaders[@]}"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/home/nonroot"

# ------------------------------------------------------------------------------ the layer
tar_flags=(--sort=name --mtime="@$epoch" --numeric-owner --format=posix
           --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
layer_tar="$WORK/layer.tar"
mapfile -t top < <(cd "$rootfs" && ls -A | grep -vx home | LC_ALL=C sort)
tar -C "$rootfs" -cf "$layer_tar" "${tar_flags[@]}" --owner=0 --group=0 "${top[@]}" --no-recursion home
tar -C "$rootfs" -rf "$layer_tar" "${tar_flags[@]}" --owner=65532 --group=65532 home/nonroot
diff_id="sha256:$(sha256sum "$layer_tar" | cut -d' ' -f1)"
gzip -n -c "$layer_tar" >"$WORK/layer.tar.gz"

stage="$WORK/stage"
mkdir -p "$stage/blobs/sha256"
put_blob() {  # FILE -> prints "sha256:<hex> <size>", the file stored under its digest
  local hex size
  hex="$(sha256sum "$1" | cut -d' ' -f1)"
  size="$(stat -c %s "$1")"
  cp "$1" "$stage/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}
read -r layer_digest layer_size < <(put_blob "$WORK/layer.tar.gz")

labels="$(jq -n -c -S --arg created "$created" --arg version "$version" --arg revision "$revision" \
  --arg source "$source_url" --arg licenses "$licenses" '{
    "org.opencontainers.image.created": $created,
    "org.opencontainers.image.version": $version,
    "org.opencontainers.image.revision": $revision,
    "org.opencontainers.image.source": $source,
    "org.opencontainers.image.licenses": $licenses,
    "org.opencontainers.image.title": "ferry",
    "org.opencontainers.image.description": "syncs container images between OCI/Docker registries"
  }')"

jq -n -c -S --arg created "$created" --arg diff_id "$diff_id" --argjson labels "$labels" --arg arch "$arch" '{
  architecture: $arch, os: "linux", created: $created,
  config: {
    User: "65532:65532",
    Entrypoint: ["/usr/local/bin/ferry"],
    Cmd: ["--help"],
    Env: ["PATH=/usr/local/bin:/usr/bin:/bin",
          "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
          "HOME=/home/nonroot"],
    WorkingDir: "/home/nonroot",
    Labels: $labels
  },
  rootfs: {type: "layers", diff_ids: [$diff_id]},
  history: [{created: $created, created_by: "scripts/image.sh"}]
}' | tr -d '\n' >"$WORK/config.json"
read -r config_digest config_size < <(put_blob "$WORK/config.json")

jq -n -c -S --arg cd "$config_digest" --argjson cs "$config_size" \
  --arg ld "$layer_digest" --argjson ls "$layer_size" --argjson labels "$labels" '{
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls}],
  annotations: $labels
}' | tr -d '\n' >"$WORK/manifest.json"
read -r manifest_digest manifest_size < <(put_blob "$WORK/manifest.json")

printf '{"imageLayoutVersion":"1.0.0"}' >"$stage/oci-layout"
jq -n -c --arg d "$manifest_digest" --argjson s "$manifest_size" --arg v "$version" '{
  schemaVersion: 2,
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
               annotations: {"org.opencontainers.image.ref.name": $v}}]
}' >"$stage/index.json"

# ------------------------------------------------------------------------------ the layout
# ferry writes DIR (checking each blob's digest) and adds the second tag.
"$BIN" -q copy "oci:$stage:$version" "oci:$OUT:$version"
"$BIN" -q copy "oci:$OUT:$version" "oci:$OUT:latest"
written="$("$BIN" inspect "oci:$OUT:$version" -o json | jq -r .digest)"
[ "$written" = "$manifest_digest" ] || die "ferry wrote $written, expected $manifest_digest"

echo "image.sh: ferry $version ($revision) at $OUT, tags $version and latest;" \
     "layer $(( (layer_size + 1023) / 1024 )) KiB compressed, $(( $(stat -c %s "$layer_tar") / 1024 )) KiB unpacked" >&2
echo "$manifest_digest"
