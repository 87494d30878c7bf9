ivs_add_test(redis_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/redis_client_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redis_batcher_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redis_scale_out_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redis_outbox_events_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stage_demand_test.cpp
  LIBS ivs_adapters_redis ivs_adapters_local ivs_adapters_hot_store)
target_compile_definitions(redis_unit_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")
