// The unit files in systemd/, as configured for this build: systemd itself
// reads them (`systemd-analyze verify`, any warning counts as a failure), and
// they keep the settings the service relies on.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.h"

namespace earshot::daemon {
namespace {

const std::string kUnitDir = std::string(EARSHOT_BINARY_DIR) + "/systemd/build-tree";

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string systemd_analyze() {
  for (const char* path : {"/usr/bin/systemd-analyze", "/bin/systemd-analyze"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return {};
}

std::string read_unit(const std::string& name) {
  std::ifstream in(kUnitDir + "/" + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(UnitsTest, SystemdAcceptsTheSystemUnitWithoutAWarning) {
  const std::string analyze = systemd_analyze();
  if (analyze.empty()) GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd)";
  const CommandResult r = run_command(analyze + " verify " + kUnitDir + "/earshot-system.service");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "systemd-analyze warned about earshot-system.service";
}

TEST(UnitsTest, SystemdAcceptsTheUserUnitWithoutAWarning) {
  const std::string analyze = systemd_analyze();
  if (analyze.empty()) GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd)";
  // A user manager's view needs a runtime directory of its own.
  testing::ScratchDir runtime;
  chmod(runtime.path().c_str(), 0700);
  const CommandResult r = run_command("XDG_RUNTIME_DIR=" + runtime.path().string() + " " + analyze +
                                      " --user verify " + kUnitDir + "/earshot.service");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "systemd-analyze warned about earshot.service";
}

TEST(UnitsTest, BothUnitsKeepTheServiceContract) {
  for (const std::string name : {"earshot.service", "earshot-system.service"}) {
    SCOPED_TRACE(name);
    const std::string unit = read_unit(name);
    ASSERT_FALSE(unit.empty()) << "missing " << kUnitDir << "/" << name;
    for (const std::string& line : std::vector<std::string>
         {"Type=notify", "ExecStart=" + std::string(EARSHOT_BINARY_DIR) + "/daemon/earshotd",
          "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=", "Restart=on-failure",
          "RestartPreventExitStatus=78", "UnsetEnvironment=OPENBLAS_CORETYPE OPENBLAS_L2_SIZE",
          "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "SystemCallFilter=@system-service",
          "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK", "RuntimeDirectory=earshot",
          "RuntimeDirectoryMode=0700"}) {
      EXPECT_NE(unit.find("\n" + line), std::string::npos) << "no line starting " << line;
    }
  }
  const std::string user = read_unit("earshot.service");
  EXPECT_NE(user.find("\nAfter=pipewire-pulse.service pulseaudio.service"), std::string::npos);
  EXPECT_NE(user.find("\nProtectHome=read-only"), std::string::npos);
  EXPECT_NE(user.find("\nWantedBy=default.target"), std::string::npos);
  const std::string system = read_unit("earshot-system.service");
  EXPECT_NE(system.find("\nExecStart=" + std::string(EARSHOT_BINARY_DIR) +
                        "/daemon/earshotd --config /etc/earshot/earshotd.toml"),
            std::string::npos);
  EXPECT_NE(system.find("\nDeviceAllow=char-alsa rw"), std::string::npos);
}

}  // namespace
}  // namespace earshot::daemon
