# The environment of every test: where the real sample and the program are, and one OpenBLAS
# thread (a thread count, for determinism). Never a CPU type or instruction set: tests must pass
# on every x86-64 CPU, with or without AVX-512 (scripts/check-cpu-settings.sh guards this).
set(SEALION_TEST_ENVIRONMENT
    "SEALION_KAGGLE_SAMPLE_DIR=${SEALION_KAGGLE_SAMPLE_DIR};SEALION_BINARY=$<TARGET_FILE:sealion>;OPENBLAS_NUM_THREADS=1")
# Under the sanitizers (cmake --preset sanitize): UBSan halts, so that its reports fail the test;
# LeakSanitizer skips the third-party leaks that fuzz/lsan.supp lists and explains (with full
# stacks: the fast unwinder stops inside OpenCV, which has no frame pointers, and the
# suppressions then match nothing); tests that cannot run sanitized (Python loading an ASan
# module, QEMU) skip on SEALION_SANITIZED.
if(SEALION_SANITIZE)
  list(APPEND SEALION_TEST_ENVIRONMENT "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
       "ASAN_OPTIONS=fast_unwind_on_malloc=0"
       "LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/fuzz/lsan.supp" "SEALION_SANITIZED=1")
endif()

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
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" ENVIRONMENT "${SEALION_TEST_ENVIRONMENT}")
endfunction()

# sealion_add_script_test(module/name SCRIPT path ARGS ... LABELS ...)
# Registers a shell script as a ctest test; its exit code 77 means skipped (it says why).
function(sealion_add_script_test name)
  if(NOT SEALION_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "SCRIPT" "ARGS;LABELS" ${ARGN})
  add_test(NAME ${name} COMMAND bash ${ARG_SCRIPT} ${ARG_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" SKIP_RETURN_CODE 77
                       ENVIRONMENT "${SEALION_TEST_ENVIRONMENT}")
endfunction()
