# Warnings every unas target compiles with.
add_library(unas_warnings INTERFACE)
target_compile_options(unas_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
