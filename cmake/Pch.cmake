# Two precompiled headers: parsing Asio/Beast/JSON once instead of in every translation unit
# roughly halves a clean build on two cores.
#  - ivs_pch_base (cmake/ivs_pch_base.hpp): Asio, JSON, logging; for the lower layers (targets
#    marked with ivs_lower_layer), which must not see Boost.Beast.
#  - ivs_pch (cmake/ivs_pch.hpp): the same plus Beast; for HTTP, WebSocket, adapters, app, tests.
include(cmake/LayerGuard.cmake)

add_library(ivs_pch STATIC ${CMAKE_SOURCE_DIR}/cmake/ivs_pch.cpp)
target_link_libraries(ivs_pch PUBLIC ivs_options Boost::json spdlog::spdlog fmt::fmt)
target_precompile_headers(ivs_pch PRIVATE ${CMAKE_SOURCE_DIR}/cmake/ivs_pch.hpp)

add_library(ivs_pch_base STATIC ${CMAKE_SOURCE_DIR}/cmake/ivs_pch_base.cpp)
target_link_libraries(ivs_pch_base PUBLIC ivs_options Boost::json spdlog::spdlog fmt::fmt)
target_precompile_headers(ivs_pch_base PRIVATE ${CMAKE_SOURCE_DIR}/cmake/ivs_pch_base.hpp)
ivs_lower_layer(ivs_pch_base)

function(ivs_collect_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    ivs_collect_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Call after every target exists.
function(ivs_apply_pch)
  ivs_collect_targets(${CMAKE_SOURCE_DIR} all_targets)
  foreach(t ${all_targets})
    get_target_property(dir ${t} SOURCE_DIR)
    # Benchmark programs are built with their own flags and link only what they use.
    if(t STREQUAL "ivs_pch" OR t STREQUAL "ivs_pch_base" OR dir MATCHES "/bench(/|$)")
      continue()
    endif()
    get_target_property(type ${t} TYPE)
    get_target_property(own ${t} PRECOMPILE_HEADERS)
    get_target_property(reuse ${t} PRECOMPILE_HEADERS_REUSE_FROM)
    if((type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "EXECUTABLE") AND NOT own AND NOT reuse)
      get_target_property(srcs ${t} SOURCES)
      set(has_cxx FALSE)
      foreach(s ${srcs})
        if(s MATCHES "\\.cpp$")
          set(has_cxx TRUE)
        endif()
      endforeach()
      if(has_cxx)
        get_target_property(lower ${t} IVS_LOWER_LAYER)
        if(lower)
          target_precompile_headers(${t} REUSE_FROM ivs_pch_base)
        else()
          target_precompile_headers(${t} REUSE_FROM ivs_pch)
        endif()
      endif()
    endif()
  endforeach()
endfunction()
