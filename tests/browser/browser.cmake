# Dashboard in headless Chromium (label browser).
ivs_add_test(live_browser_tests browser WITH_APP SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/live_browser_test.cpp)
target_compile_definitions(live_browser_tests PRIVATE IVS_BROWSER_DIR="${CMAKE_CURRENT_LIST_DIR}")
