# CMake generated Testfile for 
# Source directory: /work/wt-visibility
# Build directory: /work/wt-visibility/build-bench
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/wt-visibility/build-bench/skycover_tests[1]_include.cmake")
