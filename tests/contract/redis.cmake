# Hot store contract suite on a real Redis (started by the harness).
ivs_add_test(hot_store_redis_contract_tests contract SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/hot_store_redis_test.cpp
  LIBS ivs_adapters_redis)
