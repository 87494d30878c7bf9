# Hostile input and exhausted resources over real HTTP: framing, dates, bodies, the connection
# cap, /api/health with a hung check, SIGTERM with a dependency gone or hung.
ivs_add_test(hardening_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/hardening_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hardening_shutdown_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/foundation_support.cpp)
target_compile_definitions(hardening_integration_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")
