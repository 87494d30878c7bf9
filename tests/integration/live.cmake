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
