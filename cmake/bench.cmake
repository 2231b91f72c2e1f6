# The benchmarks of `make bench` (bench/README.md): the in-process handshake
# loop linked once per backend, like the drivers, because the two libraries
# never share a process (docs/architecture.md), and the peak-memory wrapper.
# They are part of the ordinary build (a few hundred lines) so that a broken
# benchmark shows up as a compile error, not at measurement time; bench/bench.py
# runs them.
foreach(backend openssl wolfssl)
  add_executable(kx-bench-raw-${backend} ${CMAKE_SOURCE_DIR}/bench/raw_handshake.c)
  target_link_libraries(kx-bench-raw-${backend} PRIVATE kx_backend_${backend})
  target_compile_definitions(kx-bench-raw-${backend} PRIVATE KX_PKI_DIR="${KX_PKI_DIR}")
  add_dependencies(kx-bench-raw-${backend} kx_pki)
  set_target_properties(kx-bench-raw-${backend} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endforeach()

add_executable(kx-bench-peak-rss ${CMAKE_SOURCE_DIR}/bench/peak_rss.c)
set_target_properties(kx-bench-peak-rss PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
