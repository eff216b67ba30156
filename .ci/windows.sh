#!/bin/sh
# The daemon on Windows, tested on Linux: cross-build everything (reactor/,
# jobs/, config/, daemon/ and their tests) with mingw-w64, and run every
# test under wine64, where available_backends() is {iocp}: the reactor and
# jobs suites, the config suite, and the daemon's end-to-end tests, which
# start reactord.exe on a real job file.
#
# Needs: g++-mingw-w64-x86-64-posix wine64 (Debian 12: wine 8.0)
# Usage: .ci/windows.sh [build-dir]        (default: build/windows)
#
# The daemon's libraries are built from Debian's source packages by
# .ci/windows-deps.sh the first time (about 3.7 CPU-minutes, so two to three
# minutes with -j2 on an idle 2-core machine), then reused.
#
# Wine notes, each learnt the hard way:
#  - A persistent wineserver (-p) keeps each test process from paying ~2 s
#    of server start-up; it must not inherit ctest's pipes, or ctest waits
#    for it forever, hence the redirections.
#  - The prefix is made once (about 6 s) and reused; mono and gecko are
#    not wanted (WINEDLLOVERRIDES), and nothing here needs X.
#  - ctest always gets --timeout, and the wineserver is killed on any exit.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build/windows}")
jobs=${REACTORD_JOBS:-2}

wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver64
[ -x "$wineserver" ] || wineserver=/usr/lib/wine/wineserver
for tool in x86_64-w64-mingw32-g++-posix "$wine" "$wineserver"; do
  command -v "$tool" >/dev/null || {
    echo "windows.sh: $tool missing (apt-get install g++-mingw-w64-x86-64-posix wine64)" >&2
    exit 1
  }
done

export WINEPREFIX="$build/wineprefix" WINEDEBUG=-all WINEARCH=win64
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY

# 1. GoogleTest from Debian's sources, built with the same toolchain (no
#    GoogleMock: no test uses it).
gtest_prefix="$build/googletest-install"
if [ ! -f "$gtest_prefix/lib/cmake/GTest/GTestConfig.cmake" ]; then
  cmake -S /usr/src/googletest -B "$build/googletest" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$gtest_prefix" -DBUILD_GMOCK=OFF -Dgtest_disable_pthreads=OFF >/dev/null
  cmake --build "$build/googletest" -j"$jobs"
  cmake --install "$build/googletest" >/dev/null
fi

# 2. A persistent server for this prefix (a leftover one is replaced: -p
#    fails while another server runs), used by the build (test discovery
#    runs the .exe) and by ctest; then the prefix, once.
# The server needs the prefix directory to exist (wineboot fills it in).
mkdir -p "$build" "$WINEPREFIX"
"$wineserver" -k </dev/null >/dev/null 2>&1 || true
"$wineserver" -w </dev/null >/dev/null 2>&1 || true
"$wineserver" -p </dev/null >/dev/null 2>&1
trap '"$wineserver" -k </dev/null >/dev/null 2>&1 || true' EXIT INT TERM
# wineboot makes the prefix the first time (about 6 s) and, every time,
# starts the session's background processes (services.exe, winedevice.exe,
# ...) with /dev/null as their stdio. Otherwise the first test process
# starts them, they inherit its pipes, and ctest or test discovery waits for
# those pipes to close until its timeout.
"$wine" wineboot </dev/null >/dev/null 2>&1

# 3. Everything, against the libraries of .ci/windows-deps.sh. The ping
#    tests need wine's IcmpSendEcho2Ex to get an ICMP socket on the host:
#    tried and working as root (as CI runs); wine 8.0 has no ICMPv6 echo.
#    The windows-cross preset (CMakePresets.json) holds the settings; the
#    build directory and the libraries' place follow this script's argument.
"$root/.ci/windows-deps.sh" "$build"
(cd "$root" && cmake --preset windows-cross -B "$build/reactord" \
  -DCMAKE_FIND_ROOT_PATH="$build/deps-install" \
  -DGTest_DIR="$gtest_prefix/lib/cmake/GTest" >/dev/null)
cmake --build "$build/reactord" -j"$jobs"

# 4. Every test on IOCP. (The ICMPv6 ping case sends nothing under wine,
#    which has no Icmp6CreateFile, and checks that the error says so.)
ctest --test-dir "$build/reactord" --output-on-failure --timeout 120 -j"$jobs"
