# Boots Debian 12's systemd (252) as PID 1 of a private namespace, on a
# throw-away overlay of the host's /, so that a test can install reactord
# with `cmake --install --prefix /usr` and drive it with systemctl exactly as
# an operator would -- on a machine whose own PID 1 is not systemd.
#
# Sourced by a test script (bash, root). It gives:
#   box_boot DIR [PATH...]   boot; DIR is an empty scratch directory of the
#                     caller; each PATH (a source or build tree) that lives
#                     on another file system than / (the root overlay shows
#                     only /) gets an overlay of its own at the same place,
#                     so that it is there and writes to it stay inside
#   box CMD...        run CMD inside (all namespaces, new root, cwd /)
#   box_poweroff      clean power-off, then wait for it
#   box_cleanup       idempotent; kills what is left, removes the cgroups.
#                     The caller traps EXIT with it, so a failed test or ^C
#                     leaves nothing behind.
#   box_skip_reason   prints why this machine cannot do it, or nothing
#
# What it takes, and why (each line is a fact measured on the CI machines):
#  - pid, mount, uts, ipc, net namespaces; every mount below is made inside
#    the new mount namespace, so it vanishes with the namespace's last process
#    and the host's mount table is never touched.
#  - The host is hybrid (v1 controllers + a controller-less cgroup2 at
#    /sys/fs/cgroup/unified); systemd runs in unified mode on a cgroup2 that
#    it sees through a cgroup namespace rooted at a fresh directory. Only
#    systemd's own process is moved there before the cgroup namespace is made.
#  - A pty as /dev/console: `script` gives one, and systemd's boot messages
#    land in its output file (DIR/console.log).
#  - Root: an overlay of the host's / whose upper dir is on a tmpfs. API file
#    systems as systemd-nspawn prepares them: proc with /proc/sys read-only
#    (else systemd would write the host's sysctls), read-only sysfs, cgroup2
#    read-write from inside the cgroup namespace, a tmpfs /dev with the basic
#    nodes and a new devpts, a tmpfs /run. LIBMOUNT_UTAB points into DIR, or
#    mount(8) would create /run/mount on the host (whose /run is no tmpfs).
#  - CAP_SYS_MODULE is dropped from the bounding set, so no module-loading
#    unit runs, and systemd boots a target of our own that wants only
#    basic.target (timers.target masked): the host enables nginx, postgresql
#    and others in multi-user.target, and none of them may start here.

box_dir=
box_pid=
box_cgroup=
box_script_pid=

box_cgroup2_root() {
  if [[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" == cgroup2fs ]]; then
    echo /sys/fs/cgroup
  elif [[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" == cgroup2fs ]]; then
    echo /sys/fs/cgroup/unified
  fi
}

box_skip_reason() {
  if ((EUID != 0)); then echo "not root"; return; fi
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
  grep -qw overlay /proc/filesystems || { echo "no overlayfs in this kernel"; return; }
  [[ -x /lib/systemd/systemd ]] || { echo "no /lib/systemd/systemd (package systemd)"; return; }
  [[ -n "$(box_cgroup2_root)" ]] || { echo "no cgroup2 hierarchy mounted"; return; }
  for t in script unshare nsenter setpriv pivot_root; do
    command -v "$t" >/dev/null || { echo "no $t (util-linux)"; return; }
  done
}

# The part that runs as PID 1 of the new namespaces, before it becomes
# systemd. Arguments: stage dir cgroup [path...].
box_inner() {
  set -euo pipefail
  local stage=$1 dir=$2 cg=$3 root=$2/root p
  export LIBMOUNT_UTAB=$dir/utab
  if [[ $stage == mounts ]]; then
    mount -t tmpfs -o mode=0755 box-upper "$dir/upper"
    mkdir "$dir/upper/upper" "$dir/upper/work"
    mount -t overlay -o "lowerdir=/,upperdir=$dir/upper/upper,workdir=$dir/upper/work" box-root "$root"

    mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
    mount --bind "$root/proc/sys" "$root/proc/sys"
    mount -o remount,bind,ro "$root/proc/sys"
    if [[ -e /proc/sysrq-trigger ]]; then  # absent on some kernels
      mount --bind "$root/proc/sysrq-trigger" "$root/proc/sysrq-trigger"
      mount -o remount,bind,ro "$root/proc/sysrq-trigger"
    fi
    mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"

    mount -t tmpfs -o mode=0755,nosuid,size=4m box-dev "$root/dev"
    mknod -m 666 "$root/dev/null" c 1 3
    mknod -m 666 "$root/dev/zero" c 1 5
    mknod -m 666 "$root/dev/full" c 1 7
    mknod -m 666 "$root/dev/random" c 1 8
    mknod -m 666 "$root/dev/urandom" c 1 9
    mknod -m 666 "$root/dev/tty" c 5 0
    mkdir "$root/dev/pts" "$root/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts"
    ln -s pts/ptmx "$root/dev/ptmx"
    ln -s /proc/self/fd "$root/dev/fd"
    ln -s /proc/self/fd/0 "$root/dev/stdin"
    ln -s /proc/self/fd/1 "$root/dev/stdout"
    ln -s /proc/self/fd/2 "$root/dev/stderr"
    touch "$root/dev/console"
    mount --bind "$(tty)" "$root/dev/console"
    mount -t tmpfs -o mode=0755,nosuid,nodev box-run "$root/run"
    mount -t tmpfs -o mode=1777,nosuid,nodev box-tmp "$root/tmp"
    local n=0
    for p in "${@:4}"; do
      # Already in the root overlay, unless under /tmp or /run, which the
      # box has its own tmpfs over (a CI clone may live in /tmp).
      case "$p/" in
        /tmp/* | /run/*) ;;
        *) [[ "$(findmnt -n -o TARGET --target "$p")" == / ]] && continue ;;
      esac
      n=$((n + 1))
      mkdir -p "$root$p" "$dir/upper/extra$n" "$dir/upper/extra$n.work"
      mount -t overlay -o "lowerdir=$p,upperdir=$dir/upper/extra$n,workdir=$dir/upper/extra$n.work" box-extra "$root$p"
    done

    # Our own target: basic.target and nothing of the host's multi-user.target.
    mkdir -p "$root/etc/systemd/system"
    printf '[Unit]\nDescription=reactord test boot\nRequires=basic.target\nAfter=basic.target\nAllowIsolate=yes\n' \
      >"$root/etc/systemd/system/box.target"
    ln -sf /dev/null "$root/etc/systemd/system/timers.target"

    # Only this process (PID 1 here, systemd soon) goes into the fresh cgroup.
    echo 0 >"$cg/cgroup.procs"
    exec unshare --cgroup -- bash -c "source '${BASH_SOURCE[0]}'; box_inner root '$dir' '$cg'"
  fi
  # stage root: now inside the cgroup namespace, whose root is $cg.
  mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
  mkdir -p "$root/.oldroot"
  cd "$root"
  pivot_root . .oldroot
  cd /
  umount -l /.oldroot
  rmdir /.oldroot
  unset LIBMOUNT_UTAB
  exec setpriv --bounding-set -sys_module -- env -i container=reactord-test TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --unit=box.target --show-status=yes
}

box_boot() {
  box_dir=$1
  local cg2 p binds=
  for p in "${@:2}"; do binds+=" '$(realpath "$p")'"; done
  cg2=$(box_cgroup2_root)
  box_cgroup=$cg2/reactord-test-$$
  mkdir "$box_cgroup"
  mkdir "$box_dir/upper" "$box_dir/root"
  : >"$box_dir/console.log"
  # script gives the pty that becomes /dev/console; unshare --fork makes the
  # inner stage PID 1 of the new pid namespace.
  script -qfec "unshare --pid --mount --uts --ipc --net --fork --propagation private -- \
      bash -c \"source '${BASH_SOURCE[0]}'; box_inner mounts '$box_dir' '$box_cgroup'$binds\"" \
    "$box_dir/console.log" </dev/null >/dev/null 2>&1 &
  box_script_pid=$!
  local i
  for ((i = 0; i < 200; i++)); do
    box_pid=$(box_find_pid)
    [[ -n $box_pid ]] && break
    kill -0 "$box_script_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $box_pid ]]; then
    echo "boot: the namespace did not start; console:" >&2
    cat "$box_dir/console.log" >&2
    return 1
  fi
  # Booted when `systemctl is-system-running` says running or degraded.
  local state=
  for ((i = 0; i < 600; i++)); do
    state=$(box systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && return 0
    kill -0 "$box_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "boot: systemd did not come up (state '$state'); console:" >&2
  tail -n 50 "$box_dir/console.log" >&2
  return 1
}

# Every process in the test's cgroup tree (host pids).
box_cgroup_pids() {
  [[ -n $box_cgroup && -d $box_cgroup ]] || return 0
  find "$box_cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null || true
}

# The host pid of the namespace's PID 1 (systemd moves itself from the
# cgroup's root into init.scope at once, so look in the whole tree).
box_find_pid() {
  local p
  for p in $(box_cgroup_pids); do
    [[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$p/status" 2>/dev/null)" == 1 ]] && { echo "$p"; return; }
  done
}

box() {
  nsenter -t "$box_pid" -m -u -i -n -p -C -r -w -- "$@"
}

box_poweroff() {
  [[ -n $box_pid ]] || return 0
  kill -s RTMIN+4 "$box_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$box_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$box_pid" 2>/dev/null; then
    echo "boot: systemd did not power off in 30 s; killing it" >&2
    return 1
  fi
  wait "$box_script_pid" 2>/dev/null || true
  box_pid=
}

box_cleanup() {
  local i p
  [[ -n $box_pid ]] || box_pid=$(box_find_pid)
  if [[ -n $box_pid ]] && kill -0 "$box_pid" 2>/dev/null; then
    # SIGKILL to a pid namespace's init kills every process in it; the mount
    # namespace (and so every mount above) goes with the last of them.
    kill -9 "$box_pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$box_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  box_pid=
  # Whatever is still in the cgroup tree was started by this test (nothing
  # should be: the pid namespace died with its init).
  for p in $(box_cgroup_pids); do kill -9 "$p" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do [[ -z "$(box_cgroup_pids)" ]] && break; sleep 0.1; done
  if [[ -n $box_script_pid ]]; then
    kill "$box_script_pid" 2>/dev/null || true
    wait "$box_script_pid" 2>/dev/null || true
    box_script_pid=
  fi
  if [[ -n $box_cgroup && -d $box_cgroup ]]; then
    # Depth-first: a cgroup is removed only once it has no children.
    find "$box_cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ -d $box_cgroup ]] && echo "boot: could not remove $box_cgroup" >&2
  fi
  box_cgroup=
}
