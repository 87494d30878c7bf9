ivs_add_test(autoscaler_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/autoscaler_policy_test.cpp
  LIBS ivs_domain)
