# History store contract suite: the same tests on SQLite and on PostgreSQL (harness server).
ivs_add_test(history_store_contract_tests contract SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/history_store_contract_test.cpp
  LIBS ivs_adapters_history)
