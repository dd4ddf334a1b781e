# Warnings and code-generation flags every unas target compiles with.
add_library(unas_warnings INTERFACE)
target_compile_options(unas_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)

# Hardware popcount (every x86-64 server since 2008): the peak-memory search counts bits in its
# hot loop, and without it GCC calls a library routine.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(unas_warnings INTERFACE -mpopcnt)
endif()
