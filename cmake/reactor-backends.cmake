# Which reactor backends a build gets, decided by what the target platform
# has, never assumed:
#
#   Linux    io_uring (liburing, required) and epoll, plus signal_source
#            (signalfd).
#   Windows  iocp (ws2_32, mswsock for AcceptEx/ConnectEx, ntdll for the
#            AFD poll of foreign sockets). No signal_source: Windows has
#            console control events, not signals.
#   kqueue   wherever <sys/event.h> exists (macOS, the BSDs), or on Linux
#            when a libkqueue is found through pkg-config (libkqueue.pc),
#            which is how the kqueue backend's tests run on a Linux machine.
#            REACTORD_KQUEUE=OFF leaves it out even then.
include(CheckIncludeFileCXX)

option(REACTORD_KQUEUE "Build the kqueue backend where <sys/event.h> or libkqueue is found" ON)

function(reactord_add_backends target)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/src)
  if(WIN32)
    target_sources(${target} PRIVATE ${src}/backend/iocp.cpp)
    target_compile_definitions(${target} PRIVATE REACTORD_HAVE_IOCP)
    target_link_libraries(${target} PUBLIC ws2_32 mswsock PRIVATE ntdll)
    return()
  endif()

  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    pkg_check_modules(LIBURING REQUIRED IMPORTED_TARGET liburing)
    target_sources(${target} PRIVATE
      ${src}/signal.cpp
      ${src}/backend/epoll.cpp
      ${src}/backend/io_uring.cpp)
    target_compile_definitions(${target} PRIVATE REACTORD_HAVE_IO_URING REACTORD_HAVE_EPOLL)
    target_link_libraries(${target} PRIVATE PkgConfig::LIBURING)
  endif()

  if(REACTORD_KQUEUE)
    check_include_file_cxx(sys/event.h REACTORD_NATIVE_KQUEUE)
    if(REACTORD_NATIVE_KQUEUE)
      target_sources(${target} PRIVATE ${src}/backend/kqueue.cpp)
      target_compile_definitions(${target} PRIVATE REACTORD_HAVE_KQUEUE)
      message(STATUS "reactor: kqueue backend (native <sys/event.h>)")
    else()
      pkg_check_modules(LIBKQUEUE QUIET IMPORTED_TARGET libkqueue)
      if(LIBKQUEUE_FOUND)
        target_sources(${target} PRIVATE ${src}/backend/kqueue.cpp)
        target_compile_definitions(${target} PRIVATE REACTORD_HAVE_KQUEUE)
        target_link_libraries(${target} PRIVATE PkgConfig::LIBKQUEUE)
        message(STATUS "reactor: kqueue backend (libkqueue ${LIBKQUEUE_VERSION})")
      endif()
    endif()
  endif()
endfunction()
