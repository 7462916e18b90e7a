# An out-of-memory kill for stap.run/vm_more: python3 in a memory cgroup
# limited to 30 MiB fills 100 MiB; the OOM killer kills it (status 137).
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/stap_oom	# allocates its memory cgroup, per node
echo 30M > /sys/fs/cgroup/stap_oom/memory.max
echo 0 > /sys/fs/cgroup/stap_oom/memory.swap.max 2>/dev/null
sh -c 'echo $$ > /sys/fs/cgroup/stap_oom/cgroup.procs
       exec python3 -c "x = b\"x\" * (100 << 20)"' 2>/dev/null
echo oom status $?
rmdir /sys/fs/cgroup/stap_oom
