# Real AWS clients against `ivs-server emulator` (label sdk): the AWS CLI, the AWS SDK for
# JavaScript v3 and jose. The Node packages come from tests/sdk/package-lock.json
# (scripts/npm-deps.sh installs them).
add_test(NAME sdk_aws_cli_ivs_realtime
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/aws_cli_test.sh $<TARGET_FILE:ivs-server>)
set_tests_properties(sdk_aws_cli_ivs_realtime PROPERTIES LABELS sdk TIMEOUT 300)

foreach(script ivs_sdk tokens emulator_fidelity)
  add_test(NAME sdk_node_${script}
    COMMAND node --test ${CMAKE_CURRENT_LIST_DIR}/${script}.test.mjs
    WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(sdk_node_${script} PROPERTIES LABELS sdk TIMEOUT 300
    ENVIRONMENT "IVS_SERVER_BIN=$<TARGET_FILE:ivs-server>")
endforeach()
