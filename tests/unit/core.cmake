ivs_add_test(core_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/time_format_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_text_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/periodic_task_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event_loop_test.cpp)
