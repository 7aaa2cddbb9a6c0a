// Reading the allowlist of client public keys: files, directories, and the
// errors a person can act on (which file, which line, what is wrong).
#include "ipc/authorized_keys.h"

#include <gtest/gtest.h>

#include <fstream>

#include "ipc/curve_keys.h"
#include "tests/ipc/bus_test_support.h"

namespace earshot::ipc {
namespace {

using testing::TempDir;

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

// The message of the std::runtime_error that loading `path` throws.
std::string load_error(const std::filesystem::path& path) {
  try {
    load_authorized_keys(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loading " << path << " succeeded";
  return {};
}

TEST(AuthorizedKeys, ReadsBareKeysAndKeygenLinesSkippingCommentsAndBlankLines) {
  TempDir dir;
  const CurveKeyPair anna = generate_curve_keypair();
  const CurveKeyPair ben = generate_curve_keypair();
  write(dir.path() / "clients", "# Anna's laptop\npublic-key: " + anna.public_key + "\n\n  " + ben.public_key +
                                    " \r\n");
  EXPECT_EQ(load_authorized_keys(dir.path() / "clients"), (std::set<std::string>{anna.public_key, ben.public_key}));
}

TEST(AuthorizedKeys, ReadsEveryPubFileOfADirectoryAndNothingElse) {
  TempDir dir;
  const CurveKeyPair anna = generate_curve_keypair();
  const CurveKeyPair ben = generate_curve_keypair();
  write_curve_key_files(dir.path() / "anna", anna);  // anna.pub and anna.key, as `earshot keygen --output` does
  write(dir.path() / "ben.pub", ben.public_key + "\n");
  write(dir.path() / "notes.txt", "not a key\n");
  EXPECT_EQ(load_authorized_keys(dir.path()), (std::set<std::string>{anna.public_key, ben.public_key}));
}

TEST(AuthorizedKeys, AMalformedKeyNamesTheFileAndLineWithoutQuotingIt) {
  TempDir dir;
  const std::filesystem::path path = dir.path() / "clients";
  write(path, "# ok so far\n" + generate_curve_keypair().public_key + "\nsecretish-typo\n");
  const std::string error = load_error(path);
  EXPECT_NE(error.find(path.string() + ":3: expected a CURVE public key (40 characters of Z85 text"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("secretish-typo"), std::string::npos) << error;

  write(path, std::string(40, '"') + "\n");  // the right length, but '"' is not Z85
  EXPECT_NE(load_error(path).find(path.string() + ":1: the key holds characters that are not Z85 text"),
            std::string::npos);
}

TEST(AuthorizedKeys, ASecretKeyIsRefused) {
  TempDir dir;
  const CurveKeyPair keys = generate_curve_keypair();
  const std::filesystem::path path = dir.path() / "keygen-output";
  write(path, "public-key: " + keys.public_key + "\nsecret-key: " + keys.secret_key + "\n");
  const std::string error = load_error(path);
  EXPECT_NE(error.find(path.string() + ":2: this is a secret key"), std::string::npos) << error;
  EXPECT_EQ(error.find(keys.secret_key), std::string::npos) << error;
}

TEST(AuthorizedKeys, AMissingFileOrAnEmptyListIsAnError) {
  TempDir dir;
  EXPECT_NE(load_error(dir.path() / "missing").find("cannot read " + (dir.path() / "missing").string()),
            std::string::npos);
  write(dir.path() / "empty", "# nobody yet\n");
  EXPECT_NE(load_error(dir.path() / "empty").find("holds no public key"), std::string::npos);
  EXPECT_NE(load_error(dir.path()).find("holds no public key"), std::string::npos);  // no *.pub in it
}

}  // namespace
}  // namespace earshot::ipc
