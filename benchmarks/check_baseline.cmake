# Runs the fingerprint tool and compares its output with the pinned baseline (ctest script mode).
execute_process(COMMAND ${TOOL} OUTPUT_VARIABLE actual ERROR_VARIABLE timings RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "culturesim_bench_fingerprint failed (status ${status}):\n${actual}")
endif()
file(READ ${BASELINE} expected)
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "the model's numbers changed. Pinned (${BASELINE}):\n${expected}\nNow:\n${actual}\n"
                      "If the change is meant, run tools/update_baseline.sh and explain it in the commit message.")
endif()
