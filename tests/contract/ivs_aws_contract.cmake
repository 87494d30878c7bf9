ivs_add_test(ivs_aws_contract_tests contract SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/ivs_aws_contract_test.cpp
  LIBS ivs_adapters_aws ivs_adapters_ivs)
