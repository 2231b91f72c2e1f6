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
# The targets link the libraries harness/CMakeLists.txt defines; the runner and
# driver sources they need are not libraries there, so small static ones are
# made here from the same files (never a copy of them).

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

# The runner's readers (vector files, driver answers) and the driver's request
# handling, without either program's main.
add_library(kx_fuzz_runner STATIC
  ${CMAKE_SOURCE_DIR}/harness/runner/vector_file.c
  ${CMAKE_SOURCE_DIR}/harness/runner/vector_checks.c
  ${CMAKE_SOURCE_DIR}/harness/runner/judge_keyid.c
  ${CMAKE_SOURCE_DIR}/harness/runner/naming.c
  ${CMAKE_SOURCE_DIR}/harness/runner/driver_proc.c)
target_link_libraries(kx_fuzz_runner PUBLIC kx_core)
# clang's -Wformat-nonliteral (from -Wformat=2) flags their printf-style helpers,
# which lack a format attribute; gcc does not warn on va_list forwarding. These
# files belong to the runner, so the warning is silenced here, for them only.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  target_compile_options(kx_fuzz_runner PRIVATE -Wno-format-nonliteral)
endif()

add_library(kx_fuzz_driver STATIC
  ${CMAKE_SOURCE_DIR}/harness/driver/dispatch.c
  ${CMAKE_SOURCE_DIR}/harness/driver/request.c
  ${CMAKE_SOURCE_DIR}/harness/driver/derive_ops.c
  ${CMAKE_SOURCE_DIR}/harness/driver/session_ops.c
  ${CMAKE_SOURCE_DIR}/harness/driver/notify_endpoint.c)
# The OpenSSL backend only: libwolfssl exports OpenSSL-named symbols, and one
# backend is what a driver links (docs/architecture.md).
target_link_libraries(kx_fuzz_driver PUBLIC kx_backend_openssl)

if(KX_FUZZ)
  # Coverage for libFuzzer and sanitizer checks in every library a target tests.
  foreach(lib kx_core kx_backend_openssl kx_fuzz_runner kx_fuzz_driver)
    target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link ${kx_fuzz_sanitizers})
  endforeach()
  # Anything else built in this tree links the sanitizer runtimes they now need.
  target_link_options(kx_core INTERFACE -fsanitize=address,undefined)
endif()

# name, then what the target links beyond kx_core (comma-separated).
set(kx_fuzz_targets
  "base64" "hex" "fqdn" "nfkc" "keyid" "notify" "chunks_json" "tls_records" "dtls_records" "keylog" "pcap_read"
  "http_binding"
  "vector_file:kx_fuzz_runner,kx_fuzz_driver"
  "driver_dispatch:kx_fuzz_driver"
  "driver_call:kx_fuzz_runner")

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
