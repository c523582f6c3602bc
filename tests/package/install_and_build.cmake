# cmake -P script of package.install_and_build_example (see CMakeLists.txt next to it).
# Inputs: BUILD_DIR, PREFIX, SOURCE_DIR, EXAMPLE_SOURCE, EXAMPLE_BUILD, GENERATOR, CXX.
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
endfunction()

string(TIMESTAMP start "%s")
file(REMOVE_RECURSE ${PREFIX} ${EXAMPLE_BUILD})
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})

# The installed package must not point back into the source or build tree.
file(GLOB_RECURSE installed_cmake ${PREFIX}/*.cmake)
foreach(f IN LISTS installed_cmake)
  file(READ ${f} text)
  foreach(tree ${SOURCE_DIR} ${BUILD_DIR})
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${f} refers to ${tree}")
    endif()
  endforeach()
endforeach()
# Public headers only, and none that pulls in OpenSSL, Boost or a database client.
file(GLOB_RECURSE headers ${PREFIX}/include/*)
foreach(h IN LISTS headers)
  file(STRINGS ${h} includes REGEX "^#include <(openssl|boost|sqlite3|libpq|hiredis|sodium)")
  if(includes)
    message(FATAL_ERROR "${h} includes a dependency's header: ${includes}")
  endif()
endforeach()

# Debug: the example compiles faster unoptimised; it links the installed Release libraries.
run("configure the example" ${CMAKE_COMMAND} -S ${EXAMPLE_SOURCE} -B ${EXAMPLE_BUILD}
    -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
file(STRINGS ${EXAMPLE_BUILD}/CMakeCache.txt jwtd_dir REGEX "^jwtd_DIR:")
if(NOT jwtd_dir MATCHES "^jwtd_DIR:PATH=${PREFIX}/")
  message(FATAL_ERROR "find_package(jwtd) did not use the install: ${jwtd_dir}")
endif()
run("build the example" ${CMAKE_COMMAND} --build ${EXAMPLE_BUILD} -j1)
string(TIMESTAMP end "%s")
math(EXPR took "${end} - ${start}")
message(STATUS "installed to ${PREFIX}, example built against it (${jwtd_dir}) in ${took} s")
