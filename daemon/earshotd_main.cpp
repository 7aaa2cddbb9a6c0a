// earshotd: the speech service. One process, one loaded model, one session per
// audio source, one publisher.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "model/blas_runtime.h"

int main(int argc, char** argv) {
  CLI::App app{"earshotd - real-time speech-to-text service"};
  app.set_version_flag("--version", EARSHOT_VERSION);
  CLI11_PARSE(app, argc, argv);

  std::fprintf(stderr, "earshotd %s (%s)\n", EARSHOT_VERSION,
               earshot::model::describe(earshot::model::blas_info()).c_str());
  std::fprintf(stderr,
               "earshotd: the capture, model and bus stages are not wired into the service yet; "
               "nothing to run\n");
  return 2;
}
