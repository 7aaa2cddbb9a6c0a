#include "audio/pulse_source_list.h"

#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>
#include <vector>

#include "audio/pulse_handles.h"
#include "audio/wall_clock.h"

namespace earshot::audio {

namespace {

// Runs loop until done() or the deadline; false on timeout.
bool iterate_until(pa_mainloop* loop, int64_t deadline_ns, const std::function<bool()>& done) {
  while (!done()) {
    const int64_t left_ns = deadline_ns - steady_now_ns();
    if (left_ns <= 0) return false;
    if (pa_mainloop_prepare(loop, static_cast<int>(left_ns / 1000)) < 0) return false;
    if (pa_mainloop_poll(loop) < 0) return false;
    if (pa_mainloop_dispatch(loop) < 0) return false;
  }
  return true;
}

struct Query {
  PulseServerSources result;
  std::map<uint32_t, std::string> sink_names;  // index -> name
  std::vector<uint32_t> monitor_of_index;      // per source: its sink's index
  int n_pending = 0;
};

void on_server_info(pa_context*, const pa_server_info* info, void* user) {
  auto* q = static_cast<Query*>(user);
  if (info) {
    q->result.server_name = info->server_name ? info->server_name : "";
    q->result.server_version = info->server_version ? info->server_version : "";
    q->result.default_source = info->default_source_name ? info->default_source_name : "";
    q->result.default_sink = info->default_sink_name ? info->default_sink_name : "";
  }
  --q->n_pending;
}

void on_sink_info(pa_context*, const pa_sink_info* info, int eol, void* user) {
  auto* q = static_cast<Query*>(user);
  if (eol) {
    --q->n_pending;
    return;
  }
  if (!info) return;
  q->sink_names[info->index] = info->name;
}

void on_source_info(pa_context*, const pa_source_info* info, int eol, void* user) {
  auto* q = static_cast<Query*>(user);
  if (eol) {
    --q->n_pending;
    return;
  }
  if (!info) return;
  PulseSourceInfo s;
  s.name = info->name ? info->name : "";
  s.description = info->description ? info->description : "";
  s.sample_format = pa_sample_format_to_string(info->sample_spec.format)
                        ? pa_sample_format_to_string(info->sample_spec.format)
                        : "?";
  s.rate = info->sample_spec.rate;
  s.n_channels = info->sample_spec.channels;
  s.is_monitor = info->monitor_of_sink != PA_INVALID_INDEX;
  q->result.sources.push_back(std::move(s));
  q->monitor_of_index.push_back(info->monitor_of_sink);
}

}  // namespace

std::string describe_pulse_server(const std::string& server) {
  if (!server.empty()) return "'" + server + "'";
  if (const char* env = std::getenv("PULSE_SERVER"); env && *env) {
    return "'" + std::string(env) + "' (from PULSE_SERVER)";
  }
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return "the default server (unix:" + std::string(runtime ? runtime : "$XDG_RUNTIME_DIR") +
         "/pulse/native)";
}

PulseServerSources list_pulse_sources(const std::string& server,
                                      std::chrono::milliseconds timeout) {
  const int64_t deadline_ns = steady_now_ns() + timeout.count() * 1'000'000;
  pulse::MainloopPtr loop(pa_mainloop_new());
  if (!loop) throw std::runtime_error("PulseAudio: cannot create a main loop");
  pulse::ContextPtr context(pa_context_new(pa_mainloop_get_api(loop.get()), "earshot sources"));
  if (!context) throw std::runtime_error("PulseAudio: cannot create a context");

  const std::string where = describe_pulse_server(server);
  if (pa_context_connect(context.get(), server.empty() ? nullptr : server.c_str(),
                         PA_CONTEXT_NOAUTOSPAWN, nullptr) < 0) {
    throw std::runtime_error("cannot reach a PulseAudio server at " + where + ": " +
                             pa_strerror(pa_context_errno(context.get())));
  }
  const auto settled = [&] {
    const pa_context_state_t st = pa_context_get_state(context.get());
    return st == PA_CONTEXT_READY || !PA_CONTEXT_IS_GOOD(st);
  };
  if (!iterate_until(loop.get(), deadline_ns, settled)) {
    throw std::runtime_error("cannot reach a PulseAudio server at " + where +
                             ": no answer within " + std::to_string(timeout.count()) + " ms");
  }
  if (pa_context_get_state(context.get()) != PA_CONTEXT_READY) {
    throw std::runtime_error("cannot reach a PulseAudio server at " + where + ": " +
                             pa_strerror(pa_context_errno(context.get())));
  }

  Query q;
  q.n_pending = 3;
  pulse::OperationPtr server_op(pa_context_get_server_info(context.get(), on_server_info, &q));
  pulse::OperationPtr sinks_op(pa_context_get_sink_info_list(context.get(), on_sink_info, &q));
  pulse::OperationPtr sources_op(
      pa_context_get_source_info_list(context.get(), on_source_info, &q));
  if (!server_op || !sinks_op || !sources_op) {
    throw std::runtime_error("PulseAudio server at " + where +
                             " refused the query: " + pa_strerror(pa_context_errno(context.get())));
  }
  if (!iterate_until(loop.get(), deadline_ns, [&] { return q.n_pending == 0; })) {
    throw std::runtime_error("PulseAudio server at " + where + " did not list its sources within " +
                             std::to_string(timeout.count()) + " ms");
  }

  for (size_t i = 0; i < q.result.sources.size(); ++i) {
    PulseSourceInfo& s = q.result.sources[i];
    if (s.is_monitor) {
      const auto sink = q.sink_names.find(q.monitor_of_index[i]);
      if (sink != q.sink_names.end()) s.monitor_of_sink = sink->second;
    }
    s.is_default_input = s.name == q.result.default_source;
    s.is_default_monitor = s.is_monitor && !q.result.default_sink.empty() &&
                           s.monitor_of_sink == q.result.default_sink;
    if (s.is_default_monitor) q.result.default_monitor = s.name;
  }
  return std::move(q.result);
}

}  // namespace earshot::audio
