# Hostile input and exhausted resources over real HTTP: framing, dates, bodies, the connection
# cap, /api/health with a hung check.
ivs_add_test(hardening_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/hardening_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/foundation_support.cpp)
