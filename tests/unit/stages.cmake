# The stage side against the in-process IVS emulator and the memory hot store (no services).
ivs_add_test(stages_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stages_test.cpp
  LIBS ivs_domain ivs_adapters_ivs ivs_adapters_hot_store ivs_adapters_local)
