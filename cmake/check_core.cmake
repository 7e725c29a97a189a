# SPDX-License-Identifier: MIT
# Fails the build when a file in src/core/ includes a header that is not core's own or a
# system one: core stands alone, below every domain (run with -DSRC=<src directory>).
file(GLOB files ${SRC}/core/*.c ${SRC}/core/*.h)
foreach(f ${files})
  file(STRINGS ${f} incs REGEX "^#include \"")
  foreach(inc ${incs})
    if(NOT inc MATCHES "^#include \"core/")
      message(FATAL_ERROR "${f}: core/ must not include ${inc} (a domain or app header)")
    endif()
  endforeach()
endforeach()
