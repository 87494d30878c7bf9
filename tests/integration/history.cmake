# History: the durable sink (incl. a PostgreSQL outage on a private server) and the whole app
# (endpoints, health, snapshots, crash recovery).
ivs_add_test(history_sink_integration_tests integration SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/history_sink_test.cpp
  LIBS ivs_adapters_history)
ivs_add_test(history_app_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/history_app_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stage_arn_rule_test.cpp
  LIBS ivs_adapters_history)
ivs_add_test(history_flow_integration_tests integration WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/history_flow_test.cpp
  LIBS ivs_adapters_history)
ivs_add_test(history_pg_hung_integration_tests integration SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/history_pg_hung_test.cpp
  LIBS ivs_adapters_history)
