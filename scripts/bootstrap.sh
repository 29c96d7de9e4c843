#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test CiliumL7.
# Does nothing (quickly) when everything is present.
set -euo pipefail

need_pkgs=()
want() { # want COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2")
}
want clang clang
want llc llvm
want bpftool bpftool
want ip iproute2
want tc iproute2
want curl curl
want nsenter util-linux
want wrk wrk
want h2load nghttp2-client
want haproxy haproxy
want nginx nginx
want dig dnsutils
want dnsmasq dnsmasq-base
want dnsperf dnsperf
want iperf3 iperf3
want jq jq
want etcd etcd-server
want etcdctl etcd-client
want chromium chromium
want kcat kcat
want socat socat
want node nodejs
want npm npm
want kubectl kubectl
want podman podman
want runc runc
want python3 python3
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || need_pkgs+=(librdkafka-dev)
[ -f /usr/include/bpf/libbpf.h ] || need_pkgs+=(libbpf-dev)
[ -e /usr/lib/x86_64-linux-gnu/libbpf.so.1 ] || ls /usr/lib/*/libbpf.so.1 >/dev/null 2>&1 || need_pkgs+=(libbpf1)
[ -f /usr/include/gelf.h ] || need_pkgs+=(libelf-dev)
[ -d /usr/include/x86_64-linux-gnu/asm ] || [ -d /usr/include/asm ] || need_pkgs+=(linux-libc-dev)

if [ ${#need_pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bootstrap: missing ${need_pkgs[*]}; run as root (or: sudo apt-get install ${need_pkgs[*]})" >&2
		exit 1
	fi
	echo "bootstrap: installing ${need_pkgs[*]} (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
	# Distribution packages start daemons we do not want running.
	for svc in nginx haproxy; do
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	done
fi

if ! command -v dotnet >/dev/null 2>&1; then
	echo "bootstrap: the .NET 10 SDK (dotnet) is required and not on PATH" >&2
	exit 1
fi
