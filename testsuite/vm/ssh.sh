# Sourced by stap-vm: guests that also serve ssh, for stap's ssh:// remote.
#
# With STAP_VM_SSH=1 every stap-vm command works on a second instance of
# the kernel's guest, whose run files (pidfile, sockets, logs) live in
# KVER/ssh/ so that it can run next to the plain one.  Its initramfs
# (initramfs-ssh.cpio) adds dropbear with its shared libraries, the
# virtio_net chain and guest-ssh/sshd; qemu gives it user networking with
# the guest's port 22 forwarded to a free port on 127.0.0.1.  The host
# key and the key that may log in as root are made once per VM directory,
# in $STAP_VM_DIR/.ssh/.  Normal guests are unchanged.
#
#   stap-vm ssh KVER    print the ssh instance's URL and the identity file
#                       to log in with (two lines)

SSH=${STAP_VM_SSH:-}
[ "$SSH" = 0 ] && SSH=
DROPBEAR=${STAP_VM_DROPBEAR:-/usr/sbin/dropbear}
# The network chain, in load order; absent ones are built in.
NET_MODULES="failover net_failover virtio_net"
SSH_KEYS=$VM_ROOT/.ssh

# The directory of KVER's running instance: pidfile, sockets, logs.
rundir() {
	if [ -n "$SSH" ]; then echo "$(vmdir "$1")/ssh"; else vmdir "$1"; fi
}

# The host key and the login key, made once (under a lock: several
# initramfs builds may race).
ssh_keys() {
	mkdir -p "$SSH_KEYS"
	(
		flock 8
		[ -f "$SSH_KEYS/host_key" ] ||
			dropbearkey -t ed25519 -f "$SSH_KEYS/host_key" >/dev/null 2>&1 ||
			die "cannot make a host key with dropbearkey (apt-get install dropbear-bin)"
		[ -f "$SSH_KEYS/id_ed25519" ] ||
			ssh-keygen -q -t ed25519 -N '' -C stap-vm \
				-f "$SSH_KEYS/id_ed25519" ||
			die "cannot make a login key with ssh-keygen (apt-get install openssh-client)"
	) 8>"$SSH_KEYS/lock"
}

# Extracts the virtio_net chain from the image package, once.
ssh_fetch_net_modules() {
	local dir=$1 deb tmp m f
	[ -f "$dir/modules/net.fetched" ] && return 0
	deb=$(ls "$dir"/linux-image-*.deb | head -n 1)
	tmp=$(mktemp -d "$dir/extract.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" --wildcards --no-anchored \
			'*/net/core/failover.ko*' '*/drivers/net/net_failover.ko*' \
			'*/drivers/net/virtio_net.ko*' 2>/dev/null || true
	for m in $NET_MODULES; do
		f=$(find "$tmp" -name "$m.ko*" | head -n 1)
		case "$f" in
		"") ;;
		*.ko) mv "$f" "$dir/modules/$m.ko" ;;
		*.ko.xz) xz -dc "$f" >"$dir/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$dir/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$dir/modules/$m.ko" ;;
		esac
	done
	rm -rf "$tmp"
	: >"$dir/modules/net.fetched"
}

# initramfs_inputs' extra lines for an ssh guest ("DEST SOURCE").
ssh_initramfs_inputs() {
	local kver=$1 dir lib m
	[ -n "$SSH" ] || return 0
	dir=$(vmdir "$kver")
	[ -x "$DROPBEAR" ] ||
		die "no $DROPBEAR: install dropbear-bin (apt-get install dropbear-bin)"
	ssh_keys
	ssh_fetch_net_modules "$dir"
	echo "sbin/dropbear $DROPBEAR"
	# its shared libraries and the dynamic loader, at their own paths
	for lib in $(ldd "$DROPBEAR" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do
		echo "${lib#/} $lib"
	done
	for m in $NET_MODULES; do
		[ -f "$dir/modules/$m.ko" ] &&
			echo "lib/stap-vm/net/$m.ko $dir/modules/$m.ko"
	done
	echo "lib/stap-vm/sshd $HERE/guest-ssh/sshd"
	echo "etc/dropbear/host_key $SSH_KEYS/host_key"
	echo "root/.ssh/authorized_keys $SSH_KEYS/id_ed25519.pub"
}

# Sets ssh_nic to qemu's -nic argument for an ssh guest, with a port
# picked at random; ssh_port_taken then tells whether qemu failed
# because the port was in use (start tries again with another).
ssh_nic=
ssh_pick_port() {
	local run=$1
	ssh_nic=
	[ -n "$SSH" ] || return 0
	ssh_port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	echo "$ssh_port" >"$run/ssh.port"
	ssh_nic="user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$ssh_port-:22"
}

ssh_port_taken() {
	[ -n "$SSH" ] && grep -qi 'forwarding' "$1/qemu.log"
}

# Succeeds when the ssh guest's server sends its banner ("SSH-2.0-...")
# within a second.  qemu accepts on the forwarded host port at once and
# resets the connection while nothing listens in the guest, so the guest
# is ready for ssh only when dropbear itself answers, not when stapsh
# does (which is earlier: dropbear starts after the network is up).
ssh_answers() {
	local port
	[ -n "$SSH" ] || return 0
	port=$(cat "$1/ssh.port" 2>/dev/null) || return 1
	timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && head -c 4 <&3' \
		"$port" 2>/dev/null | grep -q '^SSH-'
}

cmd_ssh() {
	local kver=${1:?usage: stap-vm ssh KVER} run
	check_kver "$kver"
	SSH=1
	run=$(rundir "$kver")
	[ -f "$run/ssh.port" ] && qemu_pid "$kver" >/dev/null ||
		die "$kver: no ssh guest running (start it with STAP_VM_SSH=1 stap-vm start $kver)"
	echo "ssh://root@127.0.0.1:$(cat "$run/ssh.port")"
	echo "$SSH_KEYS/id_ed25519"
}
