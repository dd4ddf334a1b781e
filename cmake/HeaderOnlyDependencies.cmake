# For UNAS_TRAIN_BENCH_ONLY: fmt and nlohmann/json as header-only libraries, found as installed
# CMake packages or as bare headers (e.g. copied from a Debian machine's /usr/include and named by
# -DCMAKE_INCLUDE_PATH=DIR). fmt is always used header-only here, so nothing is linked that was
# compiled with another C++ ABI than the LibTorch in use (pip's LibTorch can differ from Debian's).
find_path(UNAS_FMT_INCLUDE_DIR fmt/format.h)
find_path(UNAS_JSON_INCLUDE_DIR nlohmann/json.hpp)
if(NOT UNAS_FMT_INCLUDE_DIR OR NOT UNAS_JSON_INCLUDE_DIR)
  message(FATAL_ERROR "UNAS_TRAIN_BENCH_ONLY needs the headers of fmt (fmt/format.h) and nlohmann/json "
                      "(nlohmann/json.hpp): install them (Debian: libfmt-dev nlohmann-json3-dev) or copy the fmt/ "
                      "and nlohmann/ include folders somewhere and pass -DCMAKE_INCLUDE_PATH=that-folder")
endif()
add_library(unas_fmt_header_only INTERFACE)
target_include_directories(unas_fmt_header_only SYSTEM INTERFACE ${UNAS_FMT_INCLUDE_DIR})
target_compile_definitions(unas_fmt_header_only INTERFACE FMT_HEADER_ONLY=1)
add_library(fmt::fmt ALIAS unas_fmt_header_only)
add_library(unas_json_header_only INTERFACE)
target_include_directories(unas_json_header_only SYSTEM INTERFACE ${UNAS_JSON_INCLUDE_DIR})
add_library(nlohmann_json::nlohmann_json ALIAS unas_json_header_only)
