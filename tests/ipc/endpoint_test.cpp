// Default endpoints, the bind policy and CURVE keys: file system only, no sockets.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "ipc/curve_keys.h"
#include "ipc/endpoint_policy.h"
#include "ipc/runtime_endpoints.h"
#include "tests/ipc/bus_test_support.h"

namespace earshot::ipc {
namespace {

using testing::TempDir;

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0);
  return info.st_mode & 0777;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RuntimeEndpoints, CreatesAPrivateDirectoryForTheSockets) {
  TempDir runtime;
  const mode_t old_umask = ::umask(0);  // even a permissive umask must give 0700
  const BusEndpoints endpoints = default_bus_endpoints(runtime.path());
  ::umask(old_umask);
  EXPECT_EQ(endpoints.bus, "ipc://" + (runtime.path() / "earshot" / "bus").string());
  EXPECT_EQ(endpoints.control, "ipc://" + (runtime.path() / "earshot" / "control").string());
  EXPECT_EQ(mode_of(runtime.path() / "earshot"), 0700u);
  // A second call finds the directory as it should be.
  EXPECT_EQ(default_bus_endpoints(runtime.path()).bus, endpoints.bus);
}

TEST(RuntimeEndpoints, RefusesADirectoryOthersCanEnter) {
  TempDir runtime;
  std::filesystem::create_directory(runtime.path() / "earshot");
  ::chmod((runtime.path() / "earshot").c_str(), 0755);
  const std::string error = error_of([&] { default_bus_endpoints(runtime.path()); });
  EXPECT_NE(error.find("has mode 0755"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 700"), std::string::npos) << error;
}

TEST(RuntimeEndpoints, RefusesASymlinkOrAFile) {
  TempDir runtime;
  std::filesystem::create_directory(runtime.path() / "elsewhere");
  std::filesystem::create_directory_symlink(runtime.path() / "elsewhere", runtime.path() / "earshot");
  EXPECT_NE(error_of([&] { default_bus_endpoints(runtime.path()); }).find("not a directory"), std::string::npos);

  TempDir other;
  std::ofstream(other.path() / "earshot") << "x";
  EXPECT_NE(error_of([&] { default_bus_endpoints(other.path()); }).find("not a directory"), std::string::npos);
}

TEST(RuntimeEndpoints, RefusesADirectoryOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the directory away";
  TempDir runtime;
  std::filesystem::create_directory(runtime.path() / "earshot");
  ::chmod((runtime.path() / "earshot").c_str(), 0700);
  ASSERT_EQ(::chown((runtime.path() / "earshot").c_str(), 65534, 65534), 0);
  EXPECT_NE(error_of([&] { default_bus_endpoints(runtime.path()); }).find("not to this user"), std::string::npos);
}

TEST(RuntimeEndpoints, NeedsXdgRuntimeDir) {
  const char* saved = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved_value = saved ? saved : "";
  ::unsetenv("XDG_RUNTIME_DIR");
  const std::string error = error_of([] { default_bus_endpoints_from_environment(); });
  if (saved) ::setenv("XDG_RUNTIME_DIR", saved_value.c_str(), 1);
  EXPECT_NE(error.find("XDG_RUNTIME_DIR is not set"), std::string::npos) << error;

  EXPECT_NE(error_of([] { default_bus_endpoints("/nonexistent/earshot-test"); }).find("is not a directory"),
            std::string::npos);
}

TEST(RuntimeEndpoints, RefusesSocketPathsTooLongForUnixSockets) {
  TempDir runtime;
  const std::filesystem::path deep = runtime.path() / std::string(100, 'd');
  std::filesystem::create_directory(deep);
  EXPECT_NE(error_of([&] { default_bus_endpoints(deep); }).find("longer than"), std::string::npos);
}

TEST(EndpointPolicy, ClassifiesEndpoints) {
  EXPECT_EQ(endpoint_scope("ipc:///run/user/1000/earshot/bus"), EndpointScope::kLocal);
  EXPECT_EQ(endpoint_scope("inproc://x"), EndpointScope::kProcess);
  EXPECT_EQ(endpoint_scope("tcp://127.0.0.1:7700"), EndpointScope::kLoopback);
  EXPECT_EQ(endpoint_scope("tcp://127.0.0.1:*"), EndpointScope::kLoopback);
  EXPECT_EQ(endpoint_scope("tcp://[::1]:7700"), EndpointScope::kLoopback);
  EXPECT_EQ(endpoint_scope("tcp://localhost:7700"), EndpointScope::kLoopback);
  EXPECT_EQ(endpoint_scope("tcp://0.0.0.0:7700"), EndpointScope::kNetwork);
  EXPECT_EQ(endpoint_scope("tcp://*:7700"), EndpointScope::kNetwork);
  EXPECT_EQ(endpoint_scope("tcp://eth0:7700"), EndpointScope::kNetwork);
  EXPECT_EQ(endpoint_scope("tcp://192.168.1.5:7700"), EndpointScope::kNetwork);
  EXPECT_THROW(endpoint_scope("pgm://eth0;239.1.1.1:5555"), std::invalid_argument);
  EXPECT_THROW(endpoint_scope("tcp://127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(endpoint_scope("ipc://"), std::invalid_argument);
}

TEST(EndpointPolicy, NetworkTcpNeedsCurve) {
  EXPECT_NO_THROW(check_bind_allowed("tcp://127.0.0.1:7700", false));
  EXPECT_NO_THROW(check_bind_allowed("ipc:///tmp/x", false));
  EXPECT_NO_THROW(check_bind_allowed("tcp://0.0.0.0:7700", true));
  const std::string error = error_of([] { check_bind_allowed("tcp://0.0.0.0:7700", false); });
  EXPECT_NE(error.find("refusing to bind tcp://0.0.0.0:7700 without CURVE"), std::string::npos) << error;
  EXPECT_NE(error.find("earshot keygen"), std::string::npos) << error;
}

TEST(CurveKeys, GeneratesMatchingKeyPairs) {
  ASSERT_TRUE(curve_available());
  const CurveKeyPair a = generate_curve_keypair();
  const CurveKeyPair b = generate_curve_keypair();
  EXPECT_TRUE(is_z85_key(a.public_key));
  EXPECT_TRUE(is_z85_key(a.secret_key));
  EXPECT_NE(a.secret_key, b.secret_key);
  EXPECT_EQ(curve_public_key_of(a.secret_key), a.public_key);
  EXPECT_THROW(curve_public_key_of("short"), std::invalid_argument);
}

TEST(CurveKeys, WritesPrivateKeyFilesAndReadsThemBack) {
  TempDir dir;
  const CurveKeyPair keys = generate_curve_keypair();
  write_curve_key_files(dir.path() / "bus", keys);
  EXPECT_EQ(mode_of(dir.path() / "bus.key"), 0600u);
  EXPECT_EQ(load_curve_key((dir.path() / "bus.key").string()), keys.secret_key);
  EXPECT_EQ(load_curve_key((dir.path() / "bus.pub").string()), keys.public_key);
  EXPECT_EQ(load_curve_key(keys.public_key), keys.public_key);  // given inline
  EXPECT_THROW(write_curve_key_files(dir.path() / "bus", keys), std::runtime_error);

  std::ofstream(dir.path() / "junk") << "not a key\n";
  EXPECT_NE(error_of([&] { load_curve_key((dir.path() / "junk").string()); }).find("does not hold a key"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_curve_key((dir.path() / "missing").string()); }).find("cannot read"),
            std::string::npos);
}

}  // namespace
}  // namespace earshot::ipc
