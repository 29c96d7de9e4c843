#!/usr/bin/env bash
# make image: bin/ciliuml7-image.tar, an OCI image archive of the agent, the CLI,
# the CNI plugin and the BPF objects, built from this checkout and this machine's
# Debian packages, with no base image:
#   /usr/lib/ciliuml7/   the agent and CLI (self-contained .NET), bpf/*.o, and
#                        ciliuml7-cni (one self-contained file: it is copied to
#                        nodes that have no .NET)
#   ip, nsenter          the only programs the agent runs, with the shared
#                        libraries they and .NET load (from the host's packages)
# Same commit + same Debian packages → same image digest (see oci-pack.py).
# Load it: podman load -i bin/ciliuml7-image.tar
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${IMAGE_OUT:-$ROOT/bin/ciliuml7-image.tar}
REF=${IMAGE_REF:-localhost/ciliuml7:dev}
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
WORK=$(mktemp -d /tmp/ciliuml7-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FS=$WORK/rootfs
LIB=$FS/usr/lib/ciliuml7
mkdir -p "$LIB/bpf" "$FS/tmp" "$FS/etc" "$FS/var/run" "$FS/run" "$FS/usr/bin" "$FS/usr/sbin"
chmod 1777 "$FS/tmp"

[ -n "$(ls bin/bpf/*.o 2>/dev/null)" ] || { echo "build.sh: bin/bpf/*.o missing; run make build first" >&2; exit 1; }
PUB=(-c Release --nologo -v quiet -clp:ErrorsOnly -r linux-x64 --self-contained
	-p:DebugType=none -p:InvariantGlobalization=true -p:GenerateDocumentationFile=false)
echo "  PUBLISH agent, cli (self-contained)"
dotnet publish src/Agent "${PUB[@]}" -o "$LIB"
dotnet publish src/Cli "${PUB[@]}" -o "$LIB"
echo "  PUBLISH cni (one trimmed self-contained file)"
dotnet publish src/Cni "${PUB[@]}" -p:PublishSingleFile=true -p:PublishTrimmed=true -o "$WORK/cni"
cp "$WORK/cni/ciliuml7-cni" "$LIB/ciliuml7-cni"
rm -f "$LIB"/*.xml "$LIB"/createdump
cp bin/bpf/*.o "$LIB/bpf/"
ln -s ../lib/ciliuml7/ciliuml7 "$FS/usr/bin/ciliuml7"
ln -s ../lib/ciliuml7/ciliuml7-agent "$FS/usr/bin/ciliuml7-agent"

# Host programs the agent runs, and every shared library they or .NET need.
copy() { # copy a file to the same path in the rootfs, resolving symlinks into real files
	local src=$1 dst=$FS$1
	mkdir -p "$(dirname "$dst")"
	cp -L "$src" "$dst"
}
IP=$(command -v ip); NSENTER=$(command -v nsenter)
copy "$IP"; copy "$NSENTER"
SSL=$(ldconfig -p | awk '/libssl\.so\.3 .*x86-64/ && !found {print $NF; found=1}')
CRYPTO=$(ldconfig -p | awk '/libcrypto\.so\.3 .*x86-64/ && !found {print $NF; found=1}')
for f in "$IP" "$NSENTER" "$SSL" "$CRYPTO" "$LIB"/*.so "$LIB/ciliuml7-agent" "$LIB/ciliuml7-cni"; do
	ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true
done | grep -v "^$WORK/" | sort -u | while read -r so; do copy "$so"; done
copy "$SSL"; copy "$CRYPTO"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n' >"$FS/etc/passwd"
printf 'root:x:0:\n' >"$FS/etc/group"
printf 'hosts: files dns\n' >"$FS/etc/nsswitch.conf"

mkdir -p "$(dirname "$OUT")"
rm -rf "$OUT" "$OUT.layout"
python3 deploy/image/oci-pack.py "$FS" "$OUT" "$REF" "$EPOCH"
rm -rf "$OUT.layout"
echo "  IMAGE   $OUT ($(du -h "$OUT" | cut -f1), $(du -sh "$FS" | cut -f1) unpacked)"
