// What the BLAS library is and how it is set up, so that benchmarks and the
// service can print it and control its threads explicitly.
//
// Thread contract: set_blas_threads() is process-global; call it from the
// thread that owns start-up, before inference runs.
#pragma once

#include <string>

namespace earshot::model {

struct BlasInfo {
  std::string config;      // the library's own build description
  std::string core;        // the kernel family it chose (e.g. "Haswell", "SkylakeX")
  int n_threads = 0;       // threads it will use for one call
  std::string coretype_env;  // OPENBLAS_CORETYPE as found in the environment, or ""
};

BlasInfo blas_info();

// Sets the number of BLAS threads (>= 1).
void set_blas_threads(int n_threads);

// One line for logs and benchmark headers, e.g.
// "OpenBLAS 0.3.21 ... core=Zen threads=2 OPENBLAS_CORETYPE=(unset)".
std::string describe(const BlasInfo& info);

}  // namespace earshot::model
