# The stage side against the in-process IVS emulator and the memory hot store (no services).
ivs_add_test(stages_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stages_test.cpp
  LIBS ivs_domain ivs_adapters_ivs ivs_adapters_hot_store ivs_adapters_local)

# Seating when every stage is full: demand-driven scale-up, waiting joins, the stage limits.
ivs_add_test(seating_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/seating_test.cpp
  LIBS ivs_domain ivs_adapters_ivs ivs_adapters_hot_store ivs_adapters_local ivs_adapters_tokens)
target_compile_definitions(seating_unit_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")

# The stage directory: endpoints for self-signed tokens, throttled GetStage retried.
ivs_add_test(stage_directory_unit_tests unit SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stage_directory_test.cpp
  LIBS ivs_domain ivs_adapters_ivs ivs_adapters_tokens)
target_compile_definitions(stage_directory_unit_tests PRIVATE
  IVS_TEST_HARNESS_DEFAULT="${PROJECT_SOURCE_DIR}/tests/harness")
