# The embedded sandbox with real processes: the server on its defaults and `ivs-server simulate`.
ivs_add_test(sandbox_integration_tests integration SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/sandbox_process_test.cpp
  LIBS ivs_core Boost::url)
target_compile_definitions(sandbox_integration_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")
