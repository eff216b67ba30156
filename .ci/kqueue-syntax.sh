#!/bin/sh
# Compile what only macOS and the BSDs build, on a system that is neither.
#
# 1. The kqueue backend and the kqueue signal_source: -fsyntax-only
# against reactor/src/backend/kqueue-declarations/sys/event.h, the
# declarations of the kqueue(2) manual (used for nothing else). Where a
# real <sys/event.h> exists, it is used instead. Nothing is linked or run:
# this only catches the backend no longer compiling. To run the reactor
# suite on kqueue from Linux, build with a libkqueue (see README).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX:-g++}

declarations=""
if ! printf '#include <sys/event.h>\n' | "$cxx" -E -x c++ - >/dev/null 2>&1; then
  declarations="-isystem $root/reactor/src/backend/kqueue-declarations"
fi
for file in backend/kqueue.cpp signal_kqueue.cpp; do
  # shellcheck disable=SC2086  # $declarations is empty or two words
  "$cxx" -std=c++20 -Wall -Wextra -Werror -fsyntax-only \
    -I "$root/reactor/include" -I "$root/reactor/src" $declarations \
    "$root/reactor/src/$file"
  echo "kqueue: reactor/src/$file compiles (${declarations:+declarations header, }-fsyntax-only)"
done

# 2. The ping job's ICMP endpoint and the reactor's sockets as macOS and the
#    BSDs build them (the endpoint with its _bsd side, and
#    reactor/src/native_socket_posix.cpp): with __linux__ undefined, the
#    Linux-only socket flags and options hidden (a forced include that
#    removes them after <sys/socket.h>), and once more with __APPLE__ for
#    macOS's recvmsg loop. glibc declares the rest (SO_TIMESTAMP, the BSD
#    ICMP names), so this catches those branches no longer compiling.
hide="${TMPDIR:-/tmp}/reactord-hide-linux-$$.h"
trap 'rm -f "$hide"' EXIT
printf '#include <sys/socket.h>\n#undef SOCK_NONBLOCK\n#undef SOCK_CLOEXEC\n#undef SO_TIMESTAMPNS\n#undef SO_RCVBUFFORCE\n' >"$hide"
for os in FreeBSD macOS; do
  flags="-U__linux__"
  [ "$os" = macOS ] && flags="$flags -D__APPLE__"
  # shellcheck disable=SC2086  # $flags is one or two words
  "$cxx" -std=c++20 -Wall -Wextra -Werror -fsyntax-only $flags -include "$hide" \
    -I "$root/jobs/include" -I "$root/jobs/src" -I "$root/reactor/include" \
    "$root/jobs/src/icmp_endpoint.cpp" "$root/jobs/src/icmp_endpoint_open.cpp" \
    "$root/jobs/src/icmp_endpoint_bsd.cpp" "$root/jobs/src/icmp_timestamp.cpp" \
    "$root/jobs/src/icmp_packet.cpp" "$root/reactor/src/native_socket_posix.cpp"
  echo "$os: jobs/src/icmp_endpoint{,_open,_bsd}.cpp, icmp_timestamp.cpp, icmp_packet.cpp and reactor/src/native_socket_posix.cpp compile (Linux headers, -fsyntax-only)"
done
