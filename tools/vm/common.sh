# SPDX-License-Identifier: MIT
# Shared helpers for the VM harness (sourced by tools/vm-run, tools/vm/mkinitramfs
# and tools/run-selftests; never executed directly).
# shellcheck shell=bash

# Project root: two levels above this file (tools/vm/common.sh).
VM_PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# Everything the harness writes on the host goes below here. It must be
# inside the project tree: that is the only directory the guest can write.
# shellcheck disable=SC2034 # used by the scripts that source this file
VM_DIR=$VM_PROJECT/build/vm

vm_die() {
	echo "${0##*/}: error: $*" >&2
	exit 125
}

# Kernel version to boot: $KVER if set, else the newest /lib/modules/<ver>
# that has a `build` symlink (headers) and a matching /boot/vmlinuz-<ver>.
# Never `uname -r`: the host kernel is not the one we test against.
# $AEGIS_VM_KERNEL, if set, names a kernel built by tools/debug-kernel (its
# directory): the guest boots it instead of Debian's, and its modules index
# replaces /lib/modules/<ver> (everything is built in but our module).
vm_kver() {
	if [ -n "${AEGIS_VM_KERNEL:-}" ]; then
		[ -f "$AEGIS_VM_KERNEL/done" ] || vm_die "AEGIS_VM_KERNEL=$AEGIS_VM_KERNEL is not a built kernel (tools/debug-kernel)"
		cat "$AEGIS_VM_KERNEL/release"
		return
	fi
	if [ -n "${KVER:-}" ]; then
		[ -e "/boot/vmlinuz-$KVER" ] || vm_die "KVER=$KVER but /boot/vmlinuz-$KVER does not exist"
		[ -d "/lib/modules/$KVER" ] || vm_die "KVER=$KVER but /lib/modules/$KVER does not exist"
		echo "$KVER"
		return
	fi
	local d v best=
	for d in /lib/modules/*/; do
		v=$(basename "$d")
		if [ ! -L "$d/build" ] || [ ! -e "/boot/vmlinuz-$v" ]; then continue; fi
		best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || vm_die "no kernel found: need /lib/modules/<ver>/build and /boot/vmlinuz-<ver> (apt-get install linux-image-amd64 linux-headers-amd64)"
	echo "$best"
}

# Kernel image for qemu -kernel. The Debian bzImage spends ~5 s under TCG in
# firmware and self-decompression; the uncompressed ELF vmlinux inside it
# boots directly through its PVH entry point (CONFIG_PVH), so extract it
# once per kernel into $VM_DIR (about 65 MB). Falls back to the bzImage.
vm_kernel_image() {
	local kver=$1 bz out tmp off fmt
	if [ -n "${AEGIS_VM_KERNEL:-}" ]; then
		echo "$AEGIS_VM_KERNEL/bzImage"
		return
	fi
	bz=/boot/vmlinuz-$kver
	out=$VM_DIR/vmlinux-$kver
	if [ -s "$out" ] && [ "$out" -nt "$bz" ]; then
		echo "$out"
		return
	fi
	mkdir -p "$VM_DIR"
	tmp=$(mktemp "$out.XXXXXX")
	# Find the compressed payload by its magic and decompress the first stream.
	for fmt in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		off=$(LC_ALL=C grep -obUaP "${fmt#*:}" "$bz" | head -n 1 | cut -d: -f1) || true
		[ -n "$off" ] || continue
		case ${fmt%%:*} in
		xz) tail -c +$((off + 1)) "$bz" | xz -dcq --single-stream >"$tmp" 2>/dev/null || true ;;
		zstd) tail -c +$((off + 1)) "$bz" | zstd -dcq >"$tmp" 2>/dev/null || true ;;
		gzip) tail -c +$((off + 1)) "$bz" | gzip -dcq >"$tmp" 2>/dev/null || true ;;
		esac
		# Only usable if it is an ELF with the PVH entry note (Xen note type 0x12).
		if [[ $(readelf -n "$tmp" 2>/dev/null || true) == *"(0x00000012)"* ]]; then
			chmod 0644 "$tmp"
			mv -f "$tmp" "$out"
			echo "$out"
			return
		fi
	done
	rm -f "$tmp"
	echo "$bz"
}

# Where the modules of kernel $1 live on the host.
vm_moddir() {
	if [ -n "${AEGIS_VM_KERNEL:-}" ]; then
		echo "$AEGIS_VM_KERNEL/modules/lib/modules/$1"
	else
		echo "/lib/modules/$1"
	fi
}

# modules.* index files for /lib/modules/<kver> with the extra module $2 in
# updates/, generated on the host and cached in $VM_DIR/depmod/ by module
# content (printed: the cache dir). Equivalent to `depmod -a` in the guest,
# which takes 60-90 s there because it reads all ~4000 modules over 9p.
vm_depmod() {
	local kver=$1 ko=$2 key dir base e moddir
	moddir=$(vm_moddir "$kver")
	# The index names the file: the same module under another name is
	# another index.
	key=$(sha256sum "$ko" | cut -c1-16)-$(basename "$ko" .ko)
	dir=$VM_DIR/depmod/$kver-$key
	if [ ! -f "$dir/modules.dep.bin" ]; then
		mkdir -p "$VM_DIR/depmod"
		base=$(mktemp -d "$VM_DIR/depmod/.base.XXXXXX")
		# A fake root whose lib/modules/<kver> links to the real inputs.
		mkdir -p "$base/lib/modules/$kver"
		for e in "$moddir"/*; do
			case ${e##*/} in
			modules.order | modules.builtin | modules.builtin.modinfo) ;;
			modules.*) continue ;; # outputs: depmod writes fresh ones
			updates) cp -rs "$e" "$base/lib/modules/$kver/"; continue ;;
			esac
			ln -s "$e" "$base/lib/modules/$kver/"
		done
		# Ours must be the only one in updates/ (e.g. no updates/dkms/ copy):
		# depmod picks arbitrarily between equal-priority duplicates.
		mkdir -p "$base/lib/modules/$kver/updates"
		find "$base/lib/modules/$kver/updates" -name "$(basename "$ko" .ko).ko*" -delete
		cp "$ko" "$base/lib/modules/$kver/updates/"
		depmod -b "$base" "$kver" || { rm -rf "$base"; vm_die "depmod for $ko failed"; }
		mkdir "$base/out"
		find "$base/lib/modules/$kver" -maxdepth 1 -type f -name 'modules.*' -exec mv {} "$base/out/" \;
		mv -T "$base/out" "$dir" 2>/dev/null || true # lost a race: same content
		rm -rf "$base"
		# Keep the 5 newest.
		find "$VM_DIR/depmod" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%T@ %p\n' |
			sort -rn | tail -n +6 | cut -d' ' -f2- | xargs -r rm -rf
	fi
	echo "$dir"
}
