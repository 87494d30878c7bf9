ivs_add_test(audience_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/audience_test.cpp
  LIBS ivs_domain ivs_adapters_hot_store)
