# `cmake --install BUILD --prefix P` into a scratch DESTDIR, then checks
# where the files land: with the README's prefix /usr the example job file
# is in /etc/reactord (not /usr/etc), with /usr/local in /usr/local/etc.
# Run as: cmake -DBUILD_DIR=... -DOUT=... -P install_layout.cmake
foreach(case "/usr|/etc/reactord" "/usr/local|/usr/local/etc/reactord")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 prefix)
  list(GET case 1 etc)
  file(REMOVE_RECURSE "${OUT}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env "DESTDIR=${OUT}" ${CMAKE_COMMAND} --install "${BUILD_DIR}"
                          --prefix "${prefix}"
                  RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install --prefix ${prefix} failed: ${rc}")
  endif()
  foreach(f "${etc}/jobs.example.yaml" "${prefix}/sbin/reactord" "${prefix}/lib/systemd/system/reactord.service")
    if(NOT EXISTS "${OUT}${f}")
      file(GLOB_RECURSE got RELATIVE "${OUT}" "${OUT}/*")
      message(FATAL_ERROR "--prefix ${prefix}: no ${f}; installed: ${got}")
    endif()
  endforeach()
  if(prefix STREQUAL "/usr" AND EXISTS "${OUT}/usr/etc")
    message(FATAL_ERROR "--prefix /usr installed into /usr/etc")
  endif()
endforeach()
file(REMOVE_RECURSE "${OUT}")
message(STATUS "install layout ok")
