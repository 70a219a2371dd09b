#pragma once
// Where a module of sealion's own (a shared object loaded with dlopen only when it is needed:
// sealion-mpi.so, sealion-codecs.so) is found: beside the running program, or, for programs in
// other folders of the build (tests, the Python module), in the build folder that made them.

#include <filesystem>

namespace sealion {

std::filesystem::path ModulePath(const char* name);

}  // namespace sealion
