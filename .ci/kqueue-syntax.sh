#!/bin/sh
# Compile the kqueue backend and the kqueue signal_source on a system that has no kqueue: -fsyntax-only
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
