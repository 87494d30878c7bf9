# Live view and observability: metrics, WebSocket, dashboard, OpenAPI, CloudWatch.
ivs_add_test(live_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/live_unit_test.cpp
  LIBS ivs_ws ivs_metrics)
ivs_add_test(live_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/live_ws_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_support.cpp)
ivs_add_test(live_cloudwatch_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/live_cloudwatch_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_support.cpp
  LIBS ivs_adapters_cloudwatch)
ivs_add_test(live_openapi_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/live_openapi_test.cpp)
ivs_add_test(live_app_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/live_app_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_support.cpp)
# Every endpoint's real answers (successes and errors) against the served OpenAPI document,
# with a JSON Schema 2020-12 validator (python3-jsonschema).
add_test(NAME openapi_answers
  COMMAND python3 -m unittest -v openapi_answers_test
  WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
set_tests_properties(openapi_answers PROPERTIES LABELS integration TIMEOUT 300
  ENVIRONMENT "IVS_TEST_BINARY=$<TARGET_FILE:ivs-server>")
