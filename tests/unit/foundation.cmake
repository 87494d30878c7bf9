# Foundation: router, configuration, envelope and error mapping, authentication, rate limiting,
# constant-time comparison.
ivs_add_test(foundation_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/router_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/envelope_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/auth_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiter_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/crypto_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/connection_limits_test.cpp
  LIBS ivs_http ivs_config ivs_core)
