# Every third-party library comes from Debian's packages (scripts/install-deps).
find_package(PkgConfig REQUIRED)

pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
pkg_check_modules(PULSE REQUIRED IMPORTED_TARGET libpulse)
pkg_check_modules(ALSA REQUIRED IMPORTED_TARGET alsa)
pkg_check_modules(SPEEXDSP REQUIRED IMPORTED_TARGET speexdsp)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)

find_package(Threads REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)

find_path(CPPZMQ_INCLUDE_DIR zmq.hpp REQUIRED)
add_library(earshot_cppzmq INTERFACE)
target_include_directories(earshot_cppzmq INTERFACE ${CPPZMQ_INCLUDE_DIR})
target_link_libraries(earshot_cppzmq INTERFACE PkgConfig::ZMQ)

if(EARSHOT_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(EARSHOT_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
