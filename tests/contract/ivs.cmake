ivs_add_test(ivs_emulator_contract_tests contract SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/ivs_emulator_contract_test.cpp
  LIBS ivs_adapters_ivs ivs_adapters_aws)
