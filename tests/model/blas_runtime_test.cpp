#include "model/blas_runtime.h"

#include <cblas.h>
#include <gtest/gtest.h>

namespace earshot::model {
namespace {

TEST(BlasRuntime, ThreadCountIsSetAndReported) {
  set_blas_threads(1);
  EXPECT_EQ(blas_info().n_threads, 1);
  EXPECT_THROW(set_blas_threads(0), std::invalid_argument);
}

TEST(BlasRuntime, DescribesTheLibraryItLinked) {
  const BlasInfo info = blas_info();
  EXPECT_NE(info.config.find("OpenBLAS"), std::string::npos) << info.config;
  EXPECT_FALSE(info.core.empty());
  EXPECT_NE(describe(info).find("threads="), std::string::npos);
}

TEST(BlasRuntime, SgemmComputesAProduct) {
  // [2x3] * [3x2]
  const float a[] = {1, 2, 3, 4, 5, 6};
  const float b[] = {7, 8, 9, 10, 11, 12};
  float c[4] = {};
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1.0f, a, 3, b, 2, 0.0f, c, 2);
  EXPECT_FLOAT_EQ(c[0], 58);
  EXPECT_FLOAT_EQ(c[1], 64);
  EXPECT_FLOAT_EQ(c[2], 139);
  EXPECT_FLOAT_EQ(c[3], 154);
}

}  // namespace
}  // namespace earshot::model
