# Scale-out scenarios with real ivs-server processes (IVS_TEST_BINARY) and private Redis servers.
ivs_add_test(scale_out_integration_tests integration SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/scale_out_process_test.cpp)
target_compile_definitions(scale_out_integration_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")
