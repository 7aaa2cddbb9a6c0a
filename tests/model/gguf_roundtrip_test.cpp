// training/gguf_writer.py -> GgufFile: every metadata type and every tensor
// type written by the Python writer reads back in C++, and the C++
// dequantization and matvec agree with the writer's own decoding.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "model/gguf_file.h"
#include "model/quant_kernels.h"
#include "tests/model/gguf_test_image.h"

namespace earshot::model {
namespace {

using ::testing::ElementsAre;

class GgufRoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testing::scratch_dir("gguf_roundtrip");
    path_ = dir_ / "python.gguf";
    const std::string command = "/usr/bin/python3 " EARSHOT_SOURCE_DIR "/tests/model/gguf_python_fixture.py '" +
                                path_.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    file_ = new GgufFile(path_);
  }
  static void TearDownTestSuite() {
    delete file_;
    file_ = nullptr;
    std::filesystem::remove_all(dir_);
  }

  static std::vector<float> floats(const GgufTensor& t) {
    EXPECT_EQ(t.type, GgmlType::kF32);
    const auto* p = static_cast<const float*>(t.data);
    return std::vector<float>(p, p + t.n_elements());
  }

  static inline std::filesystem::path dir_;
  static inline std::filesystem::path path_;
  static inline GgufFile* file_ = nullptr;
};

TEST_F(GgufRoundTrip, MetadataOfEveryType) {
  ASSERT_NE(file_, nullptr);
  const GgufFile& f = *file_;
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.get_string("general.architecture"), "roundtrip");
  EXPECT_EQ(f.get_u8("v.u8"), 250);
  EXPECT_EQ(f.value("v.i8").type(), GgufValueType::kI8);
  EXPECT_EQ(f.get_i32("v.i8"), -7);
  EXPECT_EQ(f.get_u32("v.u16"), 65535u);
  EXPECT_EQ(f.get_i32("v.i16"), -32768);
  EXPECT_EQ(f.get_u32("v.u32"), 3840u);
  EXPECT_EQ(f.get_i32("v.i32"), -123456);
  EXPECT_EQ(f.get_u64("v.u64"), (1ull << 63) + 5);
  EXPECT_EQ(f.get_i64("v.i64"), -(1ll << 62));
  EXPECT_EQ(f.get_f32("v.f32"), 1e-6f);
  EXPECT_EQ(f.get_f64("v.f64"), 2.0 / 3.0);
  EXPECT_FALSE(f.get_bool("v.bool"));
  EXPECT_EQ(f.get_string("v.string"), "Transcribe the following speech segment in English into English text.");
  EXPECT_THAT(f.get_string_array("a.strings"), ElementsAre("<pad>", "<eos>", "▁the", "<0x0A>"));
  EXPECT_THAT(f.get_i32_array("a.i32"), ElementsAre(1, -2, 2147483647));
  EXPECT_EQ(f.value("a.u32").describe_type(), "array of u32");
  EXPECT_THAT(f.get_u32_array("a.u32"), ElementsAre(5u, 6u));
  EXPECT_THAT(f.get_f32_array("a.f32"), ElementsAre(0.5f, -0.25f));
  EXPECT_THAT(f.get_bool_array("a.bool"), ElementsAre(true, false, true, true));
  EXPECT_EQ(f.value("a.nested").describe_type(), "array of array of i32");
  EXPECT_TRUE(f.get_string_array("a.empty").empty());
}

TEST_F(GgufRoundTrip, ShapesAreInGgmlOrder) {
  ASSERT_NE(file_, nullptr);
  const GgufTensor& t = file_->require_tensor("shape3d", {GgmlType::kF32}, {4, 3, 2});
  EXPECT_EQ(t.n_dims, 3);
  const auto values = floats(t);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(values[i], static_cast<float>(i));  // numpy row-major = ggml order
  EXPECT_EQ(file_->tensor("w.Q4_K").describe_shape(), "[512, 3]");
  for (const GgufTensor& tensor : file_->tensors()) {
    EXPECT_EQ(tensor.offset % 64, 0u) << tensor.name;
  }
}

TEST_F(GgufRoundTrip, EveryTypeDecodesLikeThePythonWriter) {
  ASSERT_NE(file_, nullptr);
  const auto src = floats(file_->tensor("src"));
  for (const char* name : {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"}) {
    const std::string type = name;
    const GgufTensor& w = file_->require_tensor("w." + type, {}, {512, 3});
    EXPECT_EQ(type_name(w.type), type);
    const auto expected = floats(file_->tensor("ref." + type));
    const auto bound = floats(file_->tensor("bound." + type));
    std::vector<float> decoded(1536);
    ASSERT_TRUE(dequantize_row(w.type, w.data, decoded.data(), 1536)) << type;
    for (size_t i = 0; i < decoded.size(); ++i) {
      // Same arithmetic as numpy, up to one rounding where the compiler fuses a multiply-add.
      ASSERT_NEAR(decoded[i], expected[i], 1e-6f * std::fabs(expected[i]) + 1e-12f) << type << " value " << i;
      if (type == "F32") {
        ASSERT_EQ(decoded[i], src[i]);
      } else {
        ASSERT_LE(std::fabs(decoded[i] - src[i]), bound[i] * 1.0001f) << type << " value " << i;
      }
    }
  }
}

TEST_F(GgufRoundTrip, MatvecOnPythonQuantizedWeights) {
  ASSERT_NE(file_, nullptr);
  std::vector<float> x(512);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 2.0f;
  ThreadPool pool(2);
  MatvecInput input;
  for (const char* name : {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"}) {
    const std::string type = name;
    const WeightMatrix w = weight_matrix(file_->tensor("w." + type));
    const auto reference = floats(file_->tensor("ref." + type));
    std::vector<float> y(3);
    matvec(w, x.data(), y.data(), input, pool);
    for (int r = 0; r < 3; ++r) {
      double exact = 0.0, l1 = 0.0;
      for (int i = 0; i < 512; ++i) {
        exact += static_cast<double>(reference[r * 512 + i]) * x[i];
        l1 += std::fabs(reference[r * 512 + i]);
      }
      // 8-bit activations move each product by at most |w| * max|x| / 254.
      const double tolerance = (type[0] == 'Q' ? l1 * 2.0 / 254.0 : 0.0) + 1e-5 * l1 * 2.0 + 1e-6;
      EXPECT_NEAR(y[r], exact, tolerance) << type << " row " << r;
    }
  }
}

}  // namespace
}  // namespace earshot::model
