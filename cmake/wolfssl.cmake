# wolfSSL with PSK. Debian's libwolfssl is built with NO_PSK, and TS-0003
# mandates plain PSK suites (0x00AE, 0xC0A8), so the harness builds Debian's own
# wolfssl source package once, statically, into build/wolfssl, configured with
# what the scenarios use. The build is redone only when the options change
# (scripts/build-wolfssl.sh writes them into a stamp file beside the library).
set(KX_WOLFSSL_PREFIX ${CMAKE_BINARY_DIR}/wolfssl)
set(KX_WOLFSSL_CONFIGURE
    --enable-static --disable-shared --enable-psk --enable-dtls --enable-dtls-mtu
    --enable-aesccm --enable-keying-material --enable-sni --enable-extended-master
    --enable-opensslextra --enable-hkdf --enable-sha512 --enable-sha384
    --disable-examples --disable-crypttests --disable-benchmark)
set(KX_WOLFSSL_CFLAGS "-DWOLFSSL_STATIC_PSK -fPIC")
string(JOIN " " KX_WOLFSSL_STAMP_TEXT ${KX_WOLFSSL_CONFIGURE} "CFLAGS=${KX_WOLFSSL_CFLAGS}")

set(stamp_file ${KX_WOLFSSL_PREFIX}/kx-configure-options)
set(stamp_now "")
if(EXISTS ${stamp_file})
  file(READ ${stamp_file} stamp_now)
  string(STRIP "${stamp_now}" stamp_now)
endif()
if(NOT EXISTS ${KX_WOLFSSL_PREFIX}/lib/libwolfssl.a OR NOT stamp_now STREQUAL KX_WOLFSSL_STAMP_TEXT)
  message(STATUS "wolfSSL: building Debian's wolfssl source package into ${KX_WOLFSSL_PREFIX} (once, about a minute)")
  execute_process(
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/build-wolfssl.sh ${KX_WOLFSSL_PREFIX} "${KX_WOLFSSL_CFLAGS}"
            ${KX_WOLFSSL_CONFIGURE}
    RESULT_VARIABLE wolfssl_result)
  if(NOT wolfssl_result EQUAL 0)
    message(FATAL_ERROR "wolfSSL build failed (see ${KX_WOLFSSL_PREFIX}/build.log)")
  endif()
endif()

add_library(kx_wolfssl STATIC IMPORTED GLOBAL)
set_target_properties(kx_wolfssl PROPERTIES
  IMPORTED_LOCATION ${KX_WOLFSSL_PREFIX}/lib/libwolfssl.a
  INTERFACE_INCLUDE_DIRECTORIES ${KX_WOLFSSL_PREFIX}/include
  INTERFACE_LINK_LIBRARIES "m;pthread")
