#!/bin/sh
# The daemon's libraries for the mingw-w64 build, from Debian's *source*
# packages (Debian 12 has no mingw builds of them): fmt, spdlog, yaml-cpp,
# CLI11 (headers), http-parser, RE2, zlib and libcurl with Schannel (Windows' own TLS,
# so no OpenSSL), each built static with cmake/mingw-w64.cmake into
# PREFIX, as GoogleTest is from /usr/src/googletest.
#
# Usage: .ci/windows-deps.sh BUILD-DIR      (called by .ci/windows.sh)
#   installs into BUILD-DIR/deps-install, works in BUILD-DIR/deps-src.
#
# Sources: `apt-get source`, from the same mirror and suites apt already
# uses for binaries: a deb-src twin of each configured entry is written to
# /etc/apt/sources.list.d/reactord-deb-src.* (once). Nothing else is fetched.
#
# Reuse: BUILD-DIR/deps-install/versions lists the source versions and this
# script's checksum; when both still match, nothing is rebuilt.
#
# Only what the daemon uses is configured: libcurl speaks HTTP(S) only, with
# no LDAP, PSL, IDN, brotli, zstd, zlib, libssh2, nghttp2 (curl's own
# defaults would look for each of them).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:?usage: windows-deps.sh BUILD-DIR}")
jobs=${REACTORD_JOBS:-2}
prefix="$build/deps-install"
src="$build/deps-src"
toolchain="$root/cmake/mingw-w64.cmake"
# zlib from the release suite itself: the mirror serves bookworm-security's
# zlib binaries but answered 404 for its source (1.2.13.dfsg-1+deb12u1).
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
packages="fmtlib spdlog yaml-cpp cli11 http-parser re2 zlib/$suite curl"

# --- Sources ------------------------------------------------------------------

# A deb-src entry for every deb entry apt has (deb822 .sources files and
# one-line .list files alike), with the same mirror, suites and keys.
add_deb_src() {
  [ -w /etc/apt/sources.list.d ] || {
    echo "windows-deps.sh: no deb-src entries, and cannot add them (run as root)" >&2
    exit 1
  }
  out=/etc/apt/sources.list.d/reactord-deb-src
  tmp=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$out.sources" ] || continue
    # Only stanzas of Types: deb; each becomes a Types: deb-src twin.
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[ \t]*deb[ \t]*\n/ && !/(^|\n)Enabled:[ \t]*no/ {
           sub(/Types:[ \t]*deb[ \t]*\n/, "Types: deb-src\n"); print
         }' "$f"
  done >"$tmp.sources"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && [ "$f" != "$out.list" ] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f"
  done >"$tmp.list"
  for ext in sources list; do
    if [ -s "$tmp.$ext" ]; then chmod 644 "$tmp.$ext" && mv "$tmp.$ext" "$out.$ext"; else rm -f "$tmp.$ext"; fi
  done
  rm -f "$tmp"
  # A file apt cannot read would break every apt command on the machine.
  apt-get update -qq || {
    rm -f "$out.sources" "$out.list"
    echo "windows-deps.sh: apt-get update failed with the deb-src entries; removed them" >&2
    exit 1
  }
}

# "name=version ..." of what `apt-get source` would unpack, without fetching.
source_versions() {
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get source --print-uris -qq $packages) |
    sed -n "s/^'[^']*' \([^_]*\)_\([^ ]*\)\.dsc .*/\1=\2/p" | sort | tr '\n' ' '
  rmdir "$tmp"
}

apt-cache showsrc yaml-cpp 2>/dev/null | grep -q '^Package:' || add_deb_src
versions=$(source_versions)
[ "$(echo "$versions" | wc -w)" -eq 8 ] || {
  echo "windows-deps.sh: apt-get source does not offer all of: $packages (got: $versions)" >&2
  exit 1
}
stamp="$versions $(sha256sum "$0" "$toolchain" | cut -c1-16 | tr '\n' ' ')"
if [ "$(cat "$prefix/versions" 2>/dev/null)" = "$stamp" ]; then
  echo "windows-deps.sh: reusing $prefix"
  exit 0
fi

echo "windows-deps.sh: building $versions into $prefix"
rm -rf "$prefix" "$src"
mkdir -p "$src"
# -qq and no stdout: apt-get source is chatty; its errors still reach stderr.
(cd "$src" && apt-get source -qq -o APT::Sandbox::User=root $packages >/dev/null)

# --- Builds -----------------------------------------------------------------

dir_of() { find "$src" -mindepth 1 -maxdepth 1 -type d -name "$1-*" | head -n1; }

cmake_install() {  # SOURCE-DIR [cmake options...]
  dir=$1
  shift
  cmake -S "$dir" -B "$dir/build" -G Ninja -Wno-dev \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_FIND_ROOT_PATH="$prefix" \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF "$@" >/dev/null
  cmake --build "$dir/build" -j"$jobs" >/dev/null
  cmake --install "$dir/build" >/dev/null
}

cmake_install "$(dir_of fmtlib)" -DFMT_DOC=OFF -DFMT_TEST=OFF

cmake_install "$(dir_of spdlog)" -DSPDLOG_FMT_EXTERNAL=ON -DSPDLOG_BUILD_EXAMPLE=OFF \
  -DSPDLOG_BUILD_TESTS=OFF -DSPDLOG_BUILD_SHARED=OFF

cmake_install "$(dir_of yaml-cpp)" -DYAML_BUILD_SHARED_LIBS=OFF -DYAML_CPP_BUILD_TESTS=OFF \
  -DYAML_CPP_BUILD_TOOLS=OFF -DYAML_CPP_BUILD_CONTRIB=OFF

cmake_install "$(dir_of cli11)" -DCLI11_BUILD_TESTS=OFF -DCLI11_BUILD_EXAMPLES=OFF \
  -DCLI11_BUILD_DOCS=OFF -DCLI11_SINGLE_FILE=OFF

# RE2's Unicode and Perl class tables are generated (Debian's source drops
# the generated files and rebuilds them, as here, from unicode-data).
re2=$(dir_of re2)
perl "$re2/re2/make_perl_groups.pl" >"$re2/re2/perl_groups.cc"
for table in casefold groups; do
  (cd "$re2/re2" && python3 make_unicode_$table.py >unicode_$table.cc)
done
cmake_install "$re2" -DRE2_BUILD_TESTING=OFF

# http-parser: one C file and its header (upstream builds it with a
# Makefile written for ELF shared objects).
parser=$(dir_of http-parser)
x86_64-w64-mingw32-gcc-posix -O2 -c "$parser/http_parser.c" -o "$parser/http_parser.o"
mkdir -p "$prefix/lib" "$prefix/include"
x86_64-w64-mingw32-ar rcs "$prefix/lib/libhttp_parser.a" "$parser/http_parser.o"
cp "$parser/http_parser.h" "$prefix/include/"

# zlib: /metrics is held gzip-compressed. Only its static library: the
# shared one needs win32/zlib1.rc, which Debian's dfsg source drops.
zlib=$(dir_of zlib)
cmake -S "$zlib" -B "$zlib/build" -G Ninja -Wno-dev -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$zlib/build" --target zlibstatic >/dev/null
cp "$zlib/build/libzlibstatic.a" "$prefix/lib/"
cp "$zlib/zlib.h" "$zlib/build/zconf.h" "$prefix/include/"

# libcurl: HTTP and HTTPS through Schannel, the threaded resolver (Windows
# threads), nothing else.
cmake_install "$(dir_of curl)" -DBUILD_CURL_EXE=OFF -DCURL_USE_SCHANNEL=ON \
  -DCURL_USE_OPENSSL=OFF -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON \
  -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF -DUSE_LIBIDN2=OFF \
  -DUSE_WIN32_IDN=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF \
  -DCURL_USE_LIBPSL=OFF -DENABLE_THREADED_RESOLVER=ON -DENABLE_MANUAL=OFF

echo "$stamp" >"$prefix/versions"
rm -rf "$src"
echo "windows-deps.sh: done"
