// `earshot info`: what this build is and what it runs on.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "model/blas_runtime.h"

namespace earshot::cli {

void add_info_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("info", "Print the version, BLAS set-up and CPU features");
  cmd->callback([exit_code] {
    std::printf("earshot %s\n", EARSHOT_VERSION);
    std::printf("blas: %s\n", model::describe(model::blas_info()).c_str());
    std::printf("cpu: avx2=%d fma=%d f16c=%d avx512f=%d\n", __builtin_cpu_supports("avx2") != 0,
                __builtin_cpu_supports("fma") != 0, __builtin_cpu_supports("f16c") != 0,
                __builtin_cpu_supports("avx512f") != 0);
    *exit_code = 0;
  });
}

}  // namespace earshot::cli
