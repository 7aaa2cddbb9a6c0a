// Corrupt and truncated GGUF images: each kind of damage is refused with a
// GgufError that names the problem, and no damage at all can crash the parser.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "model/gguf_file.h"
#include "tests/model/gguf_test_image.h"

namespace earshot::model {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace testing;

// The GgufError message for parsing `image` ("" if it parsed).
std::string parse_error(const Bytes& image) {
  try {
    parse_gguf(image, "corrupt.gguf");
  } catch (const GgufError& e) {
    return e.what();
  }
  return "";
}

std::string parse_error(const GgufImage& image) {
  return parse_error(image.build());
}

// A small valid image with two F32 tensors.
GgufImage valid_image() {
  GgufImage image;
  image.kv("general.architecture", kv_string("gemma4")).kv("n", kv_u32(3));
  image.tensor("w", 0, {4, 2}, Bytes(32, 0x11)).tensor("b", 0, {4}, Bytes(16, 0x22));
  return image;
}

TEST(GgufCorrupt, ValidImageParses) {
  const Bytes bytes = valid_image().build();
  const GgufContents contents = parse_gguf(bytes, "valid.gguf");
  EXPECT_EQ(contents.tensors.size(), 2u);
  EXPECT_EQ(contents.metadata.size(), 2u);
}

TEST(GgufCorrupt, BadMagic) {
  GgufImage image = valid_image();
  image.magic = "GGML";
  EXPECT_THAT(parse_error(image),
              AllOf(HasSubstr("corrupt.gguf: bad magic: expected 'GGUF'"), HasSubstr("found 'GGML' (47 47 4d 4c)")));
}

TEST(GgufCorrupt, BadVersion) {
  GgufImage image = valid_image();
  image.version = 7;
  EXPECT_THAT(parse_error(image), HasSubstr("unsupported GGUF version 7 (expected 2 or 3)"));
  image.version = 1;
  EXPECT_THAT(parse_error(image), HasSubstr("GGUF version 1 is not supported"));
  image.version = 0x03000000;
  EXPECT_THAT(parse_error(image), HasSubstr("big-endian"));
}

TEST(GgufCorrupt, TruncatedHeader) {
  Bytes bytes = valid_image().build();
  bytes.resize(10);
  EXPECT_THAT(parse_error(bytes), HasSubstr("file is 10 bytes, smaller than the 24-byte GGUF header"));
  EXPECT_THAT(parse_error(Bytes{}), HasSubstr("file is 0 bytes"));
}

TEST(GgufCorrupt, HugeStringLength) {
  Bytes bytes = valid_image().build();
  const uint64_t huge = 1ull << 62;
  std::memcpy(bytes.data() + 24, &huge, 8);  // the first key's length
  EXPECT_THAT(parse_error(bytes), AllOf(HasSubstr("metadata entry 0: key: string length 4611686018427387904"),
                                        HasSubstr("exceeds the")));
}

TEST(GgufCorrupt, HugeStringValue) {
  GgufImage image;
  Bytes value;
  put<uint32_t>(value, 8);
  put<uint64_t>(value, ~0ull);
  image.kv("general.name", value);
  EXPECT_THAT(parse_error(image), HasSubstr("key 'general.name': value: string length 18446744073709551615"));
}

TEST(GgufCorrupt, MetadataCountBeyondTheFile) {
  GgufImage image = valid_image();
  image.n_kv = 1000000000000ull;
  EXPECT_THAT(parse_error(image), HasSubstr("metadata count 1000000000000 needs at least 13000000000000 bytes"));
  image.n_kv = ~0ull;
  EXPECT_THAT(parse_error(image), HasSubstr("needs at least more than 2^64 bytes"));
}

TEST(GgufCorrupt, TensorCountBeyondTheFile) {
  GgufImage image = valid_image();
  image.n_tensors = 1ull << 40;
  EXPECT_THAT(parse_error(image), HasSubstr("tensor count 1099511627776 needs at least"));
}

TEST(GgufCorrupt, DuplicateKey) {
  GgufImage image = valid_image();
  image.kv("n", kv_u32(4));
  EXPECT_THAT(parse_error(image), HasSubstr("corrupt.gguf: duplicate key 'n'"));
}

TEST(GgufCorrupt, DuplicateTensor) {
  GgufImage image = valid_image();
  image.tensor("w", 0, {4}, Bytes(16, 0));
  EXPECT_THAT(parse_error(image), HasSubstr("duplicate tensor 'w'"));
}

TEST(GgufCorrupt, UnknownTensorType) {
  GgufImage image = valid_image();
  image.tensors[1].type_id = 99;
  EXPECT_THAT(parse_error(image), HasSubstr("tensor 'b': unknown ggml type id 99"));
  image.tensors[1].type_id = 4;  // Q4_2, retired long ago
  EXPECT_THAT(parse_error(image), HasSubstr("unknown ggml type id 4"));
}

TEST(GgufCorrupt, MisalignedTensorOffset) {
  GgufImage image = valid_image();
  image.tensors[1].offset = 40;
  EXPECT_THAT(parse_error(image), HasSubstr("tensor 'b': data offset 40 is not a multiple of the alignment 32"));
}

TEST(GgufCorrupt, TensorDataPastTheEndOfTheFile) {
  GgufImage image = valid_image();
  image.tensors[1].offset = 1 << 20;
  image.tensors[1].data.clear();  // the builder would otherwise write it there
  image.tensors[1].ne = {4};
  const Bytes bytes = image.build();
  std::string message = parse_error(bytes);
  EXPECT_THAT(message, AllOf(HasSubstr("tensor 'b': data [1048576, +16)"), HasSubstr("ends past the end of the file")));

  GgufImage offset_overflow = valid_image();
  offset_overflow.tensors[1].offset = ~0ull - 31;  // aligned, and offset + size wraps around
  offset_overflow.tensors[1].data.clear();
  EXPECT_THAT(parse_error(offset_overflow), HasSubstr("ends past the end of the file"));
}

TEST(GgufCorrupt, TooManyDimensions) {
  GgufImage image = valid_image();
  image.tensors[0].ne = {1, 1, 1, 1, 32};
  EXPECT_THAT(parse_error(image), HasSubstr("tensor 'w': n_dims 5 exceeds the maximum of 4"));
}

TEST(GgufCorrupt, SizeOverflow) {
  GgufImage image = valid_image();
  image.tensors[0].ne = {1ll << 40, 1ll << 40};
  EXPECT_THAT(parse_error(image), HasSubstr("tensor 'w': size overflow: shape [1099511627776, 1099511627776]"));
  image.tensors[0].ne = {1ll << 62};  // elements fit, bytes (x4) do not
  EXPECT_THAT(parse_error(image), HasSubstr("size overflow: 4611686018427387904 F32 values need more than 2^64"));
}

TEST(GgufCorrupt, NegativeExtent) {
  GgufImage image = valid_image();
  image.tensors[0].ne = {4, -2};
  EXPECT_THAT(parse_error(image), HasSubstr("tensor 'w': ne[1] is -2 (expected >= 0)"));
}

TEST(GgufCorrupt, RowNotAMultipleOfTheBlockSize) {
  GgufImage image;
  image.tensor("q", 2, {33, 1}, Bytes(36, 0));  // Q4_0 rows need 32k values
  EXPECT_THAT(parse_error(image), HasSubstr("tensor 'q': ne[0] = 33 is not a multiple of Q4_0's block size 32"));
}

TEST(GgufCorrupt, WrongArrayElementType) {
  GgufImage image = valid_image();
  image.kv("tokenizer.ggml.tokens", kv_array_raw(13, 1, Bytes(8, 0)));
  EXPECT_THAT(parse_error(image),
              HasSubstr("key 'tokenizer.ggml.tokens': array element type 13 is not a GGUF value type"));
}

TEST(GgufCorrupt, ArrayLongerThanTheFile) {
  GgufImage image = valid_image();
  image.kv("scores", kv_array_raw(6, 1ull << 60, {}));
  EXPECT_THAT(parse_error(image), HasSubstr("key 'scores': array of 1152921504606846976 f32 needs at least"));
}

TEST(GgufCorrupt, ArrayLongerThanAnyModelNeeds) {
  // A count that fits in the file but no real model has (a bit flip in the
  // count of an i32 array): refused before ~40 bytes per element are reserved.
  GgufImage image = valid_image();
  const uint64_t count = (uint64_t{1} << 24) + 1;
  image.kv("tokenizer.ggml.token_type", kv_array_raw(0, count, Bytes(count, 1)));
  EXPECT_THAT(parse_error(image),
              HasSubstr("key 'tokenizer.ggml.token_type': array of 16777217 u8 is longer than the 16777216 "
                        "elements a metadata array may hold"));
}

TEST(GgufCorrupt, ArraysNestedTooDeep) {
  Bytes value;
  put<uint32_t>(value, 9);
  for (int depth = 0; depth < 20; ++depth) {
    put<uint32_t>(value, 9);  // element type: array
    put<uint64_t>(value, 1);
  }
  GgufImage image;
  image.kv("deep", value);
  EXPECT_THAT(parse_error(image), HasSubstr("key 'deep': arrays nested deeper than 8 levels"));
}

TEST(GgufCorrupt, UnknownValueTypeAndBadBool) {
  GgufImage image = valid_image();
  image.kv("odd", kv_scalar<uint32_t>(42, 0));
  EXPECT_THAT(parse_error(image), HasSubstr("key 'odd': unknown value type 42"));
  GgufImage bad_bool = valid_image();
  bad_bool.kv("flag", kv_scalar<uint8_t>(7, 2));
  EXPECT_THAT(parse_error(bad_bool), HasSubstr("key 'flag': bool value 2 is neither 0 nor 1"));
}

TEST(GgufCorrupt, BadAlignmentKey) {
  GgufImage image = valid_image();
  image.kv("general.alignment", kv_string("32"));
  EXPECT_THAT(parse_error(image), HasSubstr("key 'general.alignment': expected u32, found string"));
  GgufImage not_power = valid_image();
  not_power.kv("general.alignment", kv_u32(48));
  EXPECT_THAT(parse_error(not_power), HasSubstr("expected a power of two, found 48"));
  // Powers of two below 8 would leave tensor data misaligned for its floats.
  for (const uint32_t small : {1u, 2u, 4u}) {
    GgufImage too_small = valid_image();
    too_small.kv("general.alignment", kv_u32(small));
    EXPECT_THAT(parse_error(too_small),
                HasSubstr("key 'general.alignment': expected a multiple of 8 (the GGUF spec), found " +
                          std::to_string(small)));
  }
}

TEST(GgufCorrupt, OverlappingTensors) {
  GgufImage image = valid_image();
  image.tensors[1].offset = 0;
  EXPECT_THAT(parse_error(image), HasSubstr("tensors 'w' [0, +32) and 'b' [0, +16) overlap"));
}

TEST(GgufCorrupt, EmptyNames) {
  GgufImage image = valid_image();
  image.kv("", kv_u32(1));
  EXPECT_THAT(parse_error(image), HasSubstr("metadata entry 2: empty key"));
  GgufImage tensor = valid_image();
  tensor.tensors[0].name = "";
  EXPECT_THAT(parse_error(tensor), HasSubstr("tensor info 0: empty tensor name"));
}

TEST(GgufCorrupt, TruncatedInsideMetadataAndInfos) {
  // A cut that leaves the counts plausible but ends inside the value of "n":
  // 24 header + the architecture entry (8+20 key, 4 type, 8+6 value) + "n"'s
  // 8+1 key and 4 type, then 2 of its 4 value bytes.
  GgufImage metadata_only = valid_image();
  metadata_only.tensors.clear();
  const Bytes full = metadata_only.build();
  const size_t inside_n = 24 + 28 + 4 + 14 + 9 + 4 + 2;
  const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(inside_n));
  EXPECT_THAT(parse_error(cut), AllOf(HasSubstr("key 'n': truncated file: value needs 4 bytes at offset 83"),
                                      HasSubstr("only 2 remain")));

  // The tensor infos complete, but the file ends before the data section:
  // after "n" (offset 87) come infos of 41 and 33 bytes.
  const Bytes with_tensors = valid_image().build();
  const Bytes no_data(with_tensors.begin(), with_tensors.begin() + 87 + 41 + 33);
  EXPECT_THAT(parse_error(no_data), HasSubstr("data section would start at offset 192, past the end of the file"));

  // Counts that only the total of both can refute.
  GgufImage counts = valid_image();
  counts.n_tensors = 10;
  EXPECT_THAT(parse_error(counts), HasSubstr("tensor count 10 needs at least 240 bytes of tensor infos"));
}

// Every strict prefix of a valid file is refused; none crashes.
TEST(GgufCorrupt, EveryTruncationThrows) {
  GgufImage image = valid_image();
  image.kv("tokens", kv_string_array({"a", "bb", "ccc"})).kv("ids", kv_array<int32_t>(5, {1, 2, 3}));
  const Bytes full = image.build();
  ASSERT_EQ(parse_error(full), "");
  for (size_t length = 0; length < full.size(); ++length) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
    EXPECT_NE(parse_error(prefix), "") << "prefix of " << length << " bytes parsed";
  }
}

// Random byte damage either parses into something self-consistent or throws
// GgufError: never another exception, never a read outside the image.
TEST(GgufCorrupt, RandomByteFlipsOnlyEverThrowGgufError) {
  GgufImage image = valid_image();
  image.kv("tokens", kv_string_array({"a", "bb", "ccc"}))
      .kv("ids", kv_array<int32_t>(5, {1, 2, 3}))
      .kv("f", kv_f64(2.5))
      .kv("flag", kv_bool(true));
  image.tensor("q", 8, {32, 2}, Bytes(68, 0x33));
  const Bytes full = image.build();
  std::mt19937 rng(1234);
  int n_parsed = 0, n_refused = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Bytes damaged = full;
    const int n_flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < n_flips; ++f) {
      const size_t at = rng() % damaged.size();
      // Mostly small changes to count/length fields, sometimes any byte.
      damaged[at] = (rng() % 2) ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(damaged[at] ^ (1u << (rng() % 8)));
    }
    if (rng() % 8 == 0) damaged.resize(rng() % damaged.size());
    try {
      const GgufContents contents = parse_gguf(damaged, "fuzz.gguf");
      ++n_parsed;
      const uint8_t* begin = damaged.data();
      const uint8_t* end = begin + damaged.size();
      for (const GgufTensor& t : contents.tensors) {
        const auto* data = static_cast<const uint8_t*>(t.data);
        ASSERT_GE(data, begin);
        ASSERT_LE(data + t.n_bytes, end);
      }
      for (const GgufKeyValue& kv : contents.metadata) {
        ASSERT_FALSE(kv.value.describe_type().empty());
        ASSERT_GE(reinterpret_cast<const uint8_t*>(kv.key.data()), begin);
        ASSERT_LE(reinterpret_cast<const uint8_t*>(kv.key.data() + kv.key.size()), end);
      }
    } catch (const GgufError&) {
      ++n_refused;
    }
  }
  EXPECT_GT(n_refused, 1000);
  EXPECT_GT(n_parsed, 100);  // flips inside tensor data or values leave a valid file
}

// The same through the file path: GgufFile maps damaged files and refuses them.
TEST(GgufCorrupt, DamagedFilesThroughTheMapping) {
  const auto dir = scratch_dir("gguf_corrupt");
  const Bytes full = valid_image().build();
  std::mt19937 rng(99);
  for (int iteration = 0; iteration < 200; ++iteration) {
    Bytes damaged = full;
    damaged.resize(rng() % (full.size() + 1));
    if (!damaged.empty()) damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    const auto path = write_file(dir / "damaged.gguf", damaged);
    try {
      GgufFile file(path);
    } catch (const GgufError& e) {
      EXPECT_THAT(e.what(), HasSubstr("damaged.gguf"));
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace earshot::model
