# The lower layers (core, ports, domain, config, metrics) compile against a "guard" include
# directory that shadows every Boost.Beast, hiredis, libpq and SQLite header with one that stops
# the build: a source there that includes <boost/beast/http.hpp> fails to compile with an error
# naming the header. The guard directory comes first on the include path of those targets only;
# the layers above (HTTP, WebSocket, adapters, app) see the real headers.
set(IVS_LAYER_GUARD_DIR ${CMAKE_BINARY_DIR}/layer_guard)

function(ivs_guard_headers root subdir what)
  file(GLOB_RECURSE headers RELATIVE ${root} ${root}/${subdir})
  foreach(h ${headers})
    file(CONFIGURE OUTPUT ${IVS_LAYER_GUARD_DIR}/${h} CONTENT
"#error \"${h}: ${what} is not part of this layer (core, ports, domain, config and metrics build without it)\"
" @ONLY)
  endforeach()
endfunction()

find_path(IVS_BEAST_INCLUDE_ROOT boost/beast.hpp HINTS ${Boost_INCLUDE_DIRS})
if(IVS_BEAST_INCLUDE_ROOT)
  ivs_guard_headers(${IVS_BEAST_INCLUDE_ROOT} "boost/beast.hpp" "Boost.Beast")
  ivs_guard_headers(${IVS_BEAST_INCLUDE_ROOT} "boost/beast/*.hpp" "Boost.Beast")
endif()
find_path(IVS_HIREDIS_INCLUDE_ROOT hiredis/hiredis.h HINTS ${HIREDIS_INCLUDE_DIRS})
if(IVS_HIREDIS_INCLUDE_ROOT)
  ivs_guard_headers(${IVS_HIREDIS_INCLUDE_ROOT} "hiredis/*.h" "hiredis")
endif()
foreach(h sqlite3.h libpq-fe.h postgresql/libpq-fe.h)
  file(CONFIGURE OUTPUT ${IVS_LAYER_GUARD_DIR}/${h} CONTENT
"#error \"${h}: a database client library is not part of this layer (core, ports, domain, config and metrics build without it)\"
" @ONLY)
endforeach()

# Marks a target as a lower layer: the guard directory first on its include path, and the
# precompiled header without Beast (see ivs_apply_pch).
function(ivs_lower_layer target)
  target_include_directories(${target} BEFORE PRIVATE ${IVS_LAYER_GUARD_DIR})
  set_target_properties(${target} PROPERTIES IVS_LOWER_LAYER TRUE)
endfunction()
