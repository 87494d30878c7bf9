ivs_add_test(aws_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/aws_sigv4_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/aws_http_client_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/aws_credentials_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/aws_ivs_client_test.cpp
  LIBS ivs_adapters_aws)
target_compile_definitions(aws_unit_tests PRIVATE
  IVS_AWS_TEST_SCRIPT_DIR="${CMAKE_SOURCE_DIR}/tests/sdk")
