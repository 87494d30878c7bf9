# Scale-out scenarios with real ivs-server processes (IVS_TEST_BINARY) and Redis servers.
ivs_add_test(scale_out_integration_tests integration SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/scale_out_process_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scale_out_cluster_test.cpp
  LIBS ivs_core)
target_compile_definitions(scale_out_integration_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")
