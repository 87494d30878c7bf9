# Stage, stats and EventBridge endpoints and the autoscaler, whole app in-process (embedded mode).
ivs_add_test(stages_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stages_test.cpp
  LIBS ivs_adapters_ivs)
ivs_add_test(publisher_live_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/publisher_live_test.cpp
  LIBS ivs_adapters_ivs)
