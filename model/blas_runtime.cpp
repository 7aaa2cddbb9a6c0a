#include "model/blas_runtime.h"

#include <cblas.h>

#include <cstdlib>
#include <stdexcept>

namespace earshot::model {

BlasInfo blas_info() {
  BlasInfo info;
  info.config = openblas_get_config();
  info.core = openblas_get_corename();
  info.n_threads = openblas_get_num_threads();
  if (const char* env = std::getenv("OPENBLAS_CORETYPE")) info.coretype_env = env;
  return info;
}

void set_blas_threads(int n_threads) {
  if (n_threads < 1) throw std::invalid_argument("BLAS threads must be >= 1");
  openblas_set_num_threads(n_threads);
}

std::string describe(const BlasInfo& info) {
  return info.config + " core=" + info.core + " threads=" + std::to_string(info.n_threads) +
         " OPENBLAS_CORETYPE=" + (info.coretype_env.empty() ? "(unset)" : info.coretype_env);
}

}  // namespace earshot::model
