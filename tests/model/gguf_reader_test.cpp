// GgufFile on valid files: every metadata type, typed getters, tensor lookup,
// alignment, zero-copy data and require_tensor's checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "model/gguf_file.h"
#include "tests/model/gguf_test_image.h"

namespace earshot::model {
namespace {

using ::testing::HasSubstr;
using testing::Bytes;
using testing::GgufImage;

class GgufReaderTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const GgufImage& image) {
    return testing::write_file(dir_ / name, image.build());
  }

  // Runs fn and returns the GgufError's message ("" if nothing was thrown).
  template <typename Fn>
  static std::string error_of(Fn&& fn) {
    try {
      fn();
    } catch (const GgufError& e) {
      return e.what();
    }
    return "";
  }

  std::filesystem::path dir_ = testing::scratch_dir("gguf_reader");
};

GgufImage every_value_type() {
  using namespace testing;
  GgufImage image;
  image.kv("general.architecture", kv_string("gemma4"))
      .kv("v.u8", kv_u8(200))
      .kv("v.i8", kv_i8(-100))
      .kv("v.u16", kv_u16(60000))
      .kv("v.i16", kv_i16(-30000))
      .kv("v.u32", kv_u32(4000000000u))
      .kv("v.i32", kv_i32(-2000000000))
      .kv("v.f32", kv_f32(1.5f))
      .kv("v.bool", kv_bool(true))
      .kv("v.string", kv_string("héllo wörld"))
      .kv("v.u64", kv_u64(1ull << 40))
      .kv("v.i64", kv_i64(-(1ll << 40)))
      .kv("v.f64", kv_f64(0.1))
      .kv("a.strings", kv_string_array({"<pad>", "", "▁the"}))
      .kv("a.i32", kv_array<int32_t>(5, {1, -2, 3}))
      .kv("a.u8", kv_array<uint8_t>(0, {7, 8}))
      .kv("a.f32", kv_array<float>(6, {0.25f, -1.0f}))
      .kv("a.bool", kv_array<uint8_t>(7, {1, 0, 1}))
      .kv("a.empty", kv_array_raw(4, 0, {}));
  // An array of two arrays of u32: [[1, 2], [3]].
  Bytes nested;
  put<uint32_t>(nested, 4);
  put<uint64_t>(nested, 2);
  put<uint32_t>(nested, 1);
  put<uint32_t>(nested, 2);
  put<uint32_t>(nested, 4);
  put<uint64_t>(nested, 1);
  put<uint32_t>(nested, 3);
  image.kv("a.nested", kv_array_raw(9, 2, nested));
  return image;
}

TEST_F(GgufReaderTest, ReadsEveryMetadataType) {
  const GgufFile file(write("types.gguf", every_value_type()));
  EXPECT_EQ(file.version(), 3u);
  EXPECT_EQ(file.metadata().size(), 20u);
  EXPECT_EQ(file.metadata()[0].key, "general.architecture");  // file order kept
  EXPECT_EQ(file.get_string("general.architecture"), "gemma4");
  EXPECT_EQ(file.get_u8("v.u8"), 200);
  EXPECT_EQ(file.get_i32("v.i8"), -100);
  EXPECT_EQ(file.get_u32("v.u16"), 60000u);
  EXPECT_EQ(file.get_i32("v.i16"), -30000);
  EXPECT_EQ(file.get_u32("v.u32"), 4000000000u);
  EXPECT_EQ(file.get_i32("v.i32"), -2000000000);
  EXPECT_EQ(file.get_f32("v.f32"), 1.5f);
  EXPECT_TRUE(file.get_bool("v.bool"));
  EXPECT_EQ(file.get_string("v.string"), "héllo wörld");
  EXPECT_EQ(file.get_u64("v.u64"), 1ull << 40);
  EXPECT_EQ(file.get_i64("v.i64"), -(1ll << 40));
  EXPECT_EQ(file.get_f64("v.f64"), 0.1);
  EXPECT_EQ(file.get_f32("v.f64"), 0.1f);  // f64 narrows for get_f32

  EXPECT_THAT(file.get_string_array("a.strings"), ::testing::ElementsAre("<pad>", "", "▁the"));
  EXPECT_THAT(file.get_i32_array("a.i32"), ::testing::ElementsAre(1, -2, 3));
  EXPECT_THAT(file.get_u32_array("a.u8"), ::testing::ElementsAre(7u, 8u));
  EXPECT_THAT(file.get_f32_array("a.f32"), ::testing::ElementsAre(0.25f, -1.0f));
  EXPECT_THAT(file.get_bool_array("a.bool"), ::testing::ElementsAre(true, false, true));
  EXPECT_TRUE(file.get_u32_array("a.empty").empty());

  const GgufValue& nested = file.value("a.nested");
  EXPECT_EQ(nested.describe_type(), "array of array of u32");
  const auto& outer = std::get<GgufArray>(nested.data);
  ASSERT_EQ(outer.elements.size(), 2u);
  EXPECT_EQ(std::get<GgufArray>(outer.elements[0].data).elements.size(), 2u);
  EXPECT_EQ(std::get<uint32_t>(std::get<GgufArray>(outer.elements[1].data).elements[0].data), 3u);
}

TEST_F(GgufReaderTest, IntegerGettersCheckRangeAndTypes) {
  GgufImage image;
  image.kv("neg", testing::kv_i32(-1)).kv("big", testing::kv_u64(1ull << 33)).kv("s", testing::kv_string("x"));
  image.kv("ints", testing::kv_array<int64_t>(11, {1, -5}));
  const GgufFile file(write("ranges.gguf", image));
  EXPECT_EQ(file.get_i64("neg"), -1);
  EXPECT_THAT(error_of([&] { file.get_u32("neg"); }), HasSubstr("key 'neg': value -1 (i32) does not fit in u32"));
  EXPECT_THAT(error_of([&] { file.get_u32("big"); }), HasSubstr("value 8589934592 (u64) does not fit in u32"));
  EXPECT_THAT(error_of([&] { file.get_u32("s"); }), HasSubstr("key 's': expected u32, found string"));
  EXPECT_THAT(error_of([&] { file.get_f32("s"); }), HasSubstr("expected f32, found string"));
  EXPECT_THAT(error_of([&] { file.get_bool("neg"); }), HasSubstr("expected bool, found i32"));
  EXPECT_THAT(error_of([&] { file.get_string_array("ints"); }),
              HasSubstr("key 'ints': expected array of string, found array of i64"));
  EXPECT_THAT(error_of([&] { file.get_u32_array("ints"); }), HasSubstr("value -5 (i64) does not fit in u32"));
  EXPECT_THAT(error_of([&] { file.get_f32_array("ints"); }), HasSubstr("expected array of f32, found array of i64"));
  EXPECT_THAT(error_of([&] { file.get_u32("absent"); }), HasSubstr("missing key 'absent'"));
  EXPECT_THAT(error_of([&] { file.get_u32("absent"); }), HasSubstr("ranges.gguf"));
}

TEST_F(GgufReaderTest, OptionalGettersDistinguishMissingFromWrongType) {
  GgufImage image;
  image.kv("n", testing::kv_u32(7)).kv("s", testing::kv_string("x"));
  const GgufFile file(write("optional.gguf", image));
  EXPECT_EQ(file.find_u32("n"), 7u);
  EXPECT_EQ(file.find_u32("absent"), std::nullopt);
  EXPECT_EQ(file.find_string("absent"), std::nullopt);
  EXPECT_EQ(file.find_bool_array("absent"), std::nullopt);
  EXPECT_EQ(file.find_string("s"), "x");
  EXPECT_THROW(file.find_u32("s"), GgufError);
  EXPECT_THROW(file.find_string("n"), GgufError);
  EXPECT_TRUE(file.has("n"));
  EXPECT_FALSE(file.has("absent"));
  EXPECT_EQ(file.find("absent"), nullptr);
}

TEST_F(GgufReaderTest, TensorsPointIntoTheMappingAtAlignedOffsets) {
  const std::vector<float> a = {1, 2, 3, 4, 5, 6};                 // [2, 3]
  const std::vector<uint16_t> b = {0x3c00, 0x4000, 0xc000};       // f16 1, 2, -2
  GgufImage image;
  image.kv("general.alignment", testing::kv_u32(64));
  image.alignment = 64;
  image.tensor("a.weight", 0, {3, 2}, testing::bytes_of(a)).tensor("b.weight", 1, {3}, testing::bytes_of(b));
  const GgufFile file(write("tensors.gguf", image));

  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.data_offset() % 64, 0u);
  ASSERT_EQ(file.tensors().size(), 2u);
  const GgufTensor& ta = file.tensor("a.weight");
  EXPECT_EQ(ta.type, GgmlType::kF32);
  EXPECT_EQ(ta.n_dims, 2);
  EXPECT_EQ(ta.ne, (std::array<int64_t, 4>{3, 2, 1, 1}));
  EXPECT_EQ(ta.n_rows(), 2);
  EXPECT_EQ(ta.n_bytes, 24u);
  EXPECT_EQ(ta.describe_shape(), "[3, 2]");
  EXPECT_EQ(std::memcmp(ta.data, a.data(), 24), 0);
  const GgufTensor& tb = file.tensor("b.weight");
  EXPECT_EQ(tb.offset, 64u);  // the first tensor's 24 bytes padded to 64
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tb.data) % 64, 0u);  // mmap is page-aligned
  EXPECT_EQ(std::memcmp(tb.data, b.data(), 6), 0);
  EXPECT_EQ(file.find_tensor("c.weight"), nullptr);
  EXPECT_THAT(error_of([&] { file.tensor("c.weight"); }), HasSubstr("missing tensor 'c.weight'"));
}

TEST_F(GgufReaderTest, RequireTensorChecksTypeAndShape) {
  GgufImage image;
  image.tensor("w", 8, {64, 3}, Bytes(3 * 2 * 34, 0))   // Q8_0 [64, 3]
      .tensor("k", 13, {256, 1}, Bytes(176, 0));          // Q5_K
  const GgufFile file(write("require.gguf", image));

  const GgufTensor& w = file.require_tensor("w", {GgmlType::kQ8_0, GgmlType::kQ4_K}, {64, 3});
  EXPECT_EQ(w.n_bytes, 204u);
  EXPECT_NO_THROW(file.require_tensor("w", {}, {64, kAnyDim}));
  EXPECT_NO_THROW(file.require_tensor("w", {GgmlType::kQ8_0}, {64, 3, 1, 1}));

  EXPECT_THAT(error_of([&] { file.require_tensor("w", {GgmlType::kF32}, {64, 3}); }),
              HasSubstr("require.gguf: tensor 'w': type Q8_0 is not accepted here (expected F32)"));
  EXPECT_THAT(error_of([&] { file.require_tensor("w", {GgmlType::kQ8_0}, {64, 4}); }),
              HasSubstr("tensor 'w': shape [64, 3] does not match the expected [64, 4]"));
  EXPECT_THAT(error_of([&] { file.require_tensor("w", {GgmlType::kQ8_0}, {64}); }),
              HasSubstr("shape [64, 3] does not match the expected [64]"));
  EXPECT_THAT(error_of([&] { file.require_tensor("k", {}, {256}); }),
              HasSubstr("tensor 'k': type Q5_K is not supported"));
  EXPECT_THAT(error_of([&] { file.require_tensor("nope", {}, {1}); }), HasSubstr("missing tensor 'nope'"));
}

TEST_F(GgufReaderTest, AcceptsVersion2AndEmptyFiles) {
  GgufImage v2;
  v2.version = 2;
  v2.kv("x", testing::kv_u32(1));
  EXPECT_EQ(GgufFile(write("v2.gguf", v2)).version(), 2u);

  // Just the 24-byte header: no metadata, no tensors, no data section.
  const Bytes header = GgufImage{}.build();
  const auto path = testing::write_file(dir_ / "empty.gguf", Bytes(header.begin(), header.begin() + 24));
  const GgufFile empty(path);
  EXPECT_TRUE(empty.metadata().empty());
  EXPECT_TRUE(empty.tensors().empty());
  EXPECT_EQ(empty.file_size(), 24u);
}

TEST_F(GgufReaderTest, ZeroSizedTensorsAreAllowed) {
  GgufImage image;
  image.tensor("empty", 0, {0, 4}, {}).tensor("one", 0, {1}, testing::bytes_of(std::vector<float>{2.0f}));
  const GgufFile file(write("zero.gguf", image));
  EXPECT_EQ(file.tensor("empty").n_bytes, 0u);
  EXPECT_EQ(*static_cast<const float*>(file.tensor("one").data), 2.0f);
}

TEST_F(GgufReaderTest, MissingFileNamesThePath) {
  const std::string message = error_of([&] { GgufFile file(dir_ / "does-not-exist.gguf"); });
  EXPECT_THAT(message, HasSubstr("does-not-exist.gguf"));
  EXPECT_THAT(message, HasSubstr("No such file"));
}

TEST_F(GgufReaderTest, MovedFileKeepsItsViewsValid) {
  GgufImage image;
  image.kv("name", testing::kv_string("abc")).tensor("t", 0, {1}, testing::bytes_of(std::vector<float>{7.0f}));
  GgufFile first(write("move.gguf", image));
  const std::string_view name = first.get_string("name");
  const void* data = first.tensor("t").data;
  GgufFile second(std::move(first));
  EXPECT_EQ(second.get_string("name"), "abc");
  EXPECT_EQ(name.data(), second.get_string("name").data());
  EXPECT_EQ(second.tensor("t").data, data);
  EXPECT_EQ(*static_cast<const float*>(data), 7.0f);
}

}  // namespace
}  // namespace earshot::model
