# Foundation over real HTTP: the in-process server (TestServer), a bare Server + Pipeline with
# test routes, and the real binary as a child process (start-up errors, --help, SIGTERM, logs).
ivs_add_test(foundation_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/foundation_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/foundation_process_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/foundation_support.cpp)
