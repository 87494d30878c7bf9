ivs_add_test(emulator_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/emulator_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/emulator_server_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/es384_signer_test.cpp
  LIBS ivs_adapters_ivs ivs_adapters_aws ivs_domain)
