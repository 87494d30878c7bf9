# Hot store contract suite, memory adapter (the Redis adapter instantiates the same suite).
ivs_add_test(hot_store_memory_contract_tests contract SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/hot_store_memory_test.cpp
  LIBS ivs_adapters_hot_store)
