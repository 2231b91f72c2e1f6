# The fuzz targets of fuzz/ (fuzz/README.md). Each fuzz/fuzz_<name>.c defines
# LLVMFuzzerTestOneInput and is built one of two ways:
#
# - normally (gcc or clang, KX_FUZZ OFF): linked with fuzz/standalone.c and
#   registered as the ctest test fuzz_smoke_<name>, which replays the target's
#   regressions and corpus and then a fixed number of deterministic mutations.
#   `make test` thus runs every target briefly on the compiler the project
#   builds with, clang or not.
# - with -DKX_FUZZ=ON and clang: linked with libFuzzer, and the libraries under
#   test compiled with coverage instrumentation and AddressSanitizer +
#   UndefinedBehaviorSanitizer, so the fuzzer is guided by and checks the
#   harness's own code. `make fuzz` configures build-fuzz/ this way.
#
# The targets link the libraries harness/CMakeLists.txt defines: kx_core, the
# OpenSSL backend and driver (libwolfssl exports OpenSSL-named symbols, so one
# backend is what a program links), and kx_runner.

option(KX_FUZZ "Build the fuzz targets with clang's libFuzzer and sanitizers (make fuzz)" OFF)
set(KX_FUZZ_SMOKE_RUNS 2000 CACHE STRING "Mutations each fuzz_smoke_<name> ctest test runs")

set(kx_fuzz_dir ${CMAKE_SOURCE_DIR}/fuzz)
# Undefined behaviour is recoverable only so that known open findings can be
# suppressed by file (fuzz/known-open.supp); fuzz/sanitizer_options.c makes
# every other report end the run (halt_on_error), as -fno-sanitize-recover would.
set(kx_fuzz_sanitizers -fsanitize=address,undefined -fsanitize-recover=undefined -fno-omit-frame-pointer)

if(KX_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "KX_FUZZ=ON needs clang (libFuzzer): configure with CC=clang, as `make fuzz` does")
endif()

# clang's -Wformat-nonliteral (from -Wformat=2) flags the runner's printf-style
# helpers, which lack a format attribute; gcc does not warn on va_list
# forwarding. The warning is silenced for the runner library only.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  target_compile_options(kx_runner PRIVATE -Wno-format-nonliteral)
endif()

if(KX_FUZZ)
  # Coverage for libFuzzer and sanitizer checks in every library a target tests.
  foreach(lib kx_core kx_backend_openssl kx_runner kx_driver_openssl)
    target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link ${kx_fuzz_sanitizers})
  endforeach()
  # Anything else built in this tree links the sanitizer runtimes they now need.
  target_link_options(kx_core INTERFACE -fsanitize=address,undefined)
endif()

# name, then what the target links beyond kx_core (comma-separated).
set(kx_fuzz_targets
  "base64" "hex" "fqdn" "nfkc" "keyid" "notify" "chunks_json" "tls_records" "dtls_records" "keylog" "pcap_read"
  "http_binding"
  "vector_file:kx_runner,kx_driver_openssl"
  "driver_dispatch:kx_driver_openssl"
  "driver_call:kx_runner")

add_custom_target(fuzz_targets)
foreach(entry ${kx_fuzz_targets})
  string(REGEX REPLACE "[:,]" ";" parts "${entry}")
  list(GET parts 0 name)
  list(REMOVE_AT parts 0)
  set(target fuzz_${name})
  if(KX_FUZZ)
    add_executable(${target} ${kx_fuzz_dir}/${target}.c ${kx_fuzz_dir}/sanitizer_options.c)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer ${kx_fuzz_sanitizers})
    target_link_options(${target} PRIVATE -fsanitize=fuzzer ${kx_fuzz_sanitizers})
  else()
    add_executable(${target} ${kx_fuzz_dir}/${target}.c ${kx_fuzz_dir}/standalone.c)
  endif()
  target_include_directories(${target} PRIVATE ${kx_fuzz_dir} ${CMAKE_SOURCE_DIR}/harness)
  target_link_libraries(${target} PRIVATE kx_core ${parts})
  add_dependencies(fuzz_targets ${target})
  if(NOT KX_FUZZ)
    # Run from the build directory, where the dispatch target finds pki/.
    add_test(NAME fuzz_smoke_${name}
             COMMAND ${target} -n ${KX_FUZZ_SMOKE_RUNS} -r ${kx_fuzz_dir}/regressions/${name}
                     ${kx_fuzz_dir}/corpus/${name}
             WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
    set_tests_properties(fuzz_smoke_${name} PROPERTIES TIMEOUT 120 LABELS fuzz)
  endif()
endforeach()
# The session requests of its corpus name the test PKI's files.
add_dependencies(fuzz_driver_dispatch kx_pki)
