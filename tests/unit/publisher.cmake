# The publisher's live rule (events and polls) against the in-process emulator (no services).
ivs_add_test(publisher_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/publisher_live_rule_test.cpp
  LIBS ivs_domain ivs_adapters_ivs ivs_adapters_hot_store ivs_adapters_local)
