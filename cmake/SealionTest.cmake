# sealion_add_test(module/name SOURCES a_test.cc ... LIBS lib ... LABELS unit ...)
# Registers one GoogleTest binary with ctest under module/name, with labels.
function(sealion_add_test name)
  if(NOT SEALION_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  string(REPLACE "/" "_" target "test_${name}")
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} sealion_test_support GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${target})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}"
    ENVIRONMENT "SEALION_KAGGLE_SAMPLE_DIR=${SEALION_KAGGLE_SAMPLE_DIR};SEALION_BINARY=$<TARGET_FILE:sealion>;OPENBLAS_NUM_THREADS=1;OPENBLAS_CORETYPE=SkylakeX")
endfunction()
