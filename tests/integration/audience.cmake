ivs_add_test(audience_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/audience_test.cpp)
ivs_add_test(audience_load_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/audience_load_test.cpp)
ivs_add_test(manual_clock_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/manual_clock_test.cpp)
