# The embedded sandbox with real processes: the server on its defaults and `ivs-server simulate`.
ivs_add_test(sandbox_integration_tests integration SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/sandbox_process_test.cpp
  LIBS ivs_core Boost::url)
target_compile_definitions(sandbox_integration_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")

# The sandbox on three instances over the harness's Redis, with a standalone emulator posting its
# events to one of them and the simulated publisher on another.
add_test(NAME sandbox_cluster_three_instances
  COMMAND python3 -m unittest -v sandbox_cluster_test
  WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
set_tests_properties(sandbox_cluster_three_instances PROPERTIES LABELS integration TIMEOUT 300
  ENVIRONMENT "IVS_TEST_BINARY=$<TARGET_FILE:ivs-server>")
