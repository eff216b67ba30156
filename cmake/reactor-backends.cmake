# Which reactor backends a build gets, decided by what the target platform
# has, never assumed:
#
#   Linux    io_uring (liburing, required) and epoll, plus signal_source
#            (signalfd).
#   Windows  iocp (ws2_32, mswsock for AcceptEx/ConnectEx, ntdll for the
#            AFD poll of foreign sockets). signal_source from console
#            control events (signal_windows.cpp): Windows has no signals.
#   kqueue   wherever <sys/event.h> exists (macOS, the BSDs), or on Linux
#            when a libkqueue is found through pkg-config (libkqueue.pc),
#            which is how the kqueue backend's tests run on a Linux machine.
#            REACTORD_KQUEUE=OFF leaves it out even then.
#
# signal_source: signalfd on Linux (signal_linux.cpp), EVFILT_SIGNAL on kqueue
# platforms (signal_kqueue.cpp). Sockets: native_socket_windows.cpp or
# native_socket_posix.cpp.
#
# A new backend: its file in src/backend/, a REACTORD_HAVE_<backend>
# definition here, its row in src/backend/backends.cpp and its value of
# backend_kind (reactor/loop.hpp); CONTRIBUTING.md has the steps. On Linux with libkqueue,
# REACTORD_KQUEUE_SIGNALS=ON builds the kqueue one instead, so that it can be
# tested on this machine; the default stays signalfd, which needs no library
# and no change of signal dispositions.
include(CheckIncludeFileCXX)

option(REACTORD_KQUEUE "Build the kqueue backend where <sys/event.h> or libkqueue is found" ON)
option(REACTORD_KQUEUE_SIGNALS "Linux with libkqueue: signal_source through EVFILT_SIGNAL instead of signalfd" OFF)

function(reactord_add_backends target)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/src)
  if(WIN32)
    target_sources(${target} PRIVATE ${src}/backend/iocp.cpp ${src}/native_socket_windows.cpp
                                     ${src}/signal_windows.cpp)
    target_compile_definitions(${target} PRIVATE REACTORD_HAVE_IOCP)
    target_link_libraries(${target} PUBLIC ws2_32 mswsock PRIVATE ntdll)
    return()
  endif()
  target_sources(${target} PRIVATE ${src}/native_socket_posix.cpp)

  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    pkg_check_modules(LIBURING REQUIRED IMPORTED_TARGET liburing)
    target_sources(${target} PRIVATE
      ${src}/backend/epoll.cpp
      ${src}/backend/io_uring.cpp)
    target_compile_definitions(${target} PRIVATE REACTORD_HAVE_IO_URING REACTORD_HAVE_EPOLL)
    target_link_libraries(${target} PRIVATE PkgConfig::LIBURING)
  endif()

  set(have_kqueue OFF)
  if(REACTORD_KQUEUE)
    check_include_file_cxx(sys/event.h REACTORD_NATIVE_KQUEUE)
    if(REACTORD_NATIVE_KQUEUE)
      target_sources(${target} PRIVATE ${src}/backend/kqueue.cpp)
      target_compile_definitions(${target} PRIVATE REACTORD_HAVE_KQUEUE)
      set(have_kqueue ON)
      message(STATUS "reactor: kqueue backend (native <sys/event.h>)")
    else()
      pkg_check_modules(LIBKQUEUE QUIET IMPORTED_TARGET libkqueue)
      if(LIBKQUEUE_FOUND)
        target_sources(${target} PRIVATE ${src}/backend/kqueue.cpp)
        target_compile_definitions(${target} PRIVATE REACTORD_HAVE_KQUEUE)
        target_link_libraries(${target} PRIVATE PkgConfig::LIBKQUEUE)
        set(have_kqueue ON)
        message(STATUS "reactor: kqueue backend (libkqueue ${LIBKQUEUE_VERSION})")
      endif()
    endif()
  endif()

  if(REACTORD_KQUEUE_SIGNALS AND NOT have_kqueue)
    message(FATAL_ERROR "REACTORD_KQUEUE_SIGNALS needs the kqueue backend (<sys/event.h> or libkqueue)")
  elseif(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT REACTORD_KQUEUE_SIGNALS)
    target_sources(${target} PRIVATE ${src}/signal_linux.cpp)
  elseif(have_kqueue)
    target_sources(${target} PRIVATE ${src}/signal_kqueue.cpp)
    # Tells the tests that signal_source works on kqueue loops only here.
    target_compile_definitions(${target} INTERFACE REACTORD_SIGNALS_THROUGH_KQUEUE)
    message(STATUS "reactor: signal_source through EVFILT_SIGNAL")
  endif()
endfunction()
