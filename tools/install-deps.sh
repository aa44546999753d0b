#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian 12 packages that building, testing and demoing AegisRay need
# (clang: the fuzzers; linux-source-6.1 and its build tools: the debug kernel).
# Idempotent: packages already present are not touched, and apt-get is only
# run when something is missing.
set -euo pipefail

PKGS=(
	build-essential pkg-config make gcc
	linux-image-amd64 linux-headers-amd64
	qemu-system-x86 busybox-static cpio kmod
	iproute2 iputils-ping iperf3 tcpdump wireguard-tools nftables ethtool
	libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libssl-dev libyaml-dev libc-ares-dev
	libjson-c-dev
	libcmocka-dev dkms sparse cppcheck shellcheck openssl procps
	gnuplot-nox python3 python3-cryptography
	clang libclang-rt-14-dev
	linux-source-6.1 bc bison flex libelf-dev xz-utils lz4
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (sudo $0) or: apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
