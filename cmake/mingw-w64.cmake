# Cross build for 64-bit Windows with Debian's mingw-w64 (posix thread
# model: std::thread and winpthreads), run under wine64.
#
#   apt-get install g++-mingw-w64-x86-64-posix wine64
#   cmake -S . -B build/windows -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DREACTORD_REACTOR_ONLY=ON ...
#
# .ci/windows.sh does all of it, GoogleTest included.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(mingw_triple x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${mingw_triple}-gcc-posix)
set(CMAKE_CXX_COMPILER ${mingw_triple}-g++-posix)
set(CMAKE_RC_COMPILER ${mingw_triple}-windres)

# Headers and libraries of the target only; programs (ninja, pkg-config)
# from the host. Appended to, so that -DCMAKE_FIND_ROOT_PATH=<prefix> adds
# a prefix of cross-built libraries (.ci/windows-deps.sh makes one).
list(APPEND CMAKE_FIND_ROOT_PATH /usr/${mingw_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Static executables: no libstdc++-6.dll / libwinpthread-1.dll to ship
# next to each test binary or to find on wine's PATH.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# ctest and gtest_discover_tests run the .exe files through wine64 (the
# 64-bit loader; Debian's wine64 package installs no /usr/bin/wine64).
find_program(REACTORD_WINE64 NAMES wine64 PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(REACTORD_WINE64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${REACTORD_WINE64})
endif()
