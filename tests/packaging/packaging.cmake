# Deployment files (label packaging): Dockerfile, compose + nginx, systemd unit, Kubernetes
# manifests, .env.example, Grafana dashboard. One CTest entry per file kind; each starts what it needs (a server on
# a free port, nginx) and stops it again.
foreach(check Yaml Dockerfile Compose Nginx Systemd EnvExample Kubernetes Grafana)
  add_test(NAME packaging_${check}
    COMMAND python3 -m unittest -v packaging_test.${check}Test
    WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(packaging_${check} PROPERTIES LABELS packaging TIMEOUT 300
    ENVIRONMENT "IVS_TEST_BINARY=$<TARGET_FILE:ivs-server>;IVS_TEST_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
