// The service's small parts: the log's rate limiter, the watchdog's progress
// check, the real-time factor window, the STATUS= line, the endpoint lock.
#include <gtest/gtest.h>
#include <unistd.h>

#include <stdexcept>

#include "daemon/client_refusals.h"
#include "daemon/endpoint_lock.h"
#include "daemon/no_audio_watch.h"
#include "daemon/progress_check.h"
#include "daemon/rate_limiter.h"
#include "daemon/status_report.h"
#include "scratch_dir.h"

namespace earshot::daemon {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(NoAudioWatchTest, WarnsOncePerQuietSpellAndSaysHowLongItLasted) {
  NoAudioWatch watch(5 * kSecond);
  EXPECT_FALSE(watch.on_audio(0).has_value());
  EXPECT_FALSE(watch.on_idle(4 * kSecond, true));
  EXPECT_EQ(watch.silent_ns(4 * kSecond), 0) << "quiet under the warning time is not reported";
  EXPECT_TRUE(watch.on_idle(5 * kSecond, true));
  EXPECT_FALSE(watch.on_idle(9 * kSecond, true)) << "one warning per spell";
  EXPECT_EQ(watch.silent_ns(9 * kSecond), 9 * kSecond);
  EXPECT_EQ(watch.on_audio(12 * kSecond), std::optional<int64_t>(12 * kSecond));
  EXPECT_EQ(watch.silent_ns(12 * kSecond), 0);
  EXPECT_FALSE(watch.on_audio(13 * kSecond).has_value()) << "audio that flows is not news";
  EXPECT_TRUE(watch.on_idle(18 * kSecond, true)) << "a second spell warns again";
}

TEST(NoAudioWatchTest, TimeWhileTheSourceIsNotRunningDoesNotCount) {
  NoAudioWatch watch(5 * kSecond);
  EXPECT_FALSE(watch.on_idle(0, false));
  EXPECT_FALSE(watch.on_idle(60 * kSecond, false)) << "reconnecting says why itself";
  EXPECT_FALSE(watch.on_idle(61 * kSecond, true)) << "the clock starts when the source runs";
  EXPECT_FALSE(watch.on_idle(65 * kSecond, true));
  EXPECT_TRUE(watch.on_idle(66 * kSecond, true));
  EXPECT_FALSE(watch.on_idle(67 * kSecond, false));
  EXPECT_EQ(watch.silent_ns(67 * kSecond), 0) << "a lost source is reported as reconnecting instead";
  EXPECT_FALSE(watch.on_audio(70 * kSecond).has_value());
}

TEST(RefusalReporterTest, EachSocketIsReportedWithItsNewRefusalsAtMostOnceAMinute) {
  RefusalReporter reporter(60 * kSecond);
  EXPECT_TRUE(reporter.news({{"bus tcp://*:5556", 0, ""}, {"control ipc://c", 0, ""}}, 0).empty());
  const std::vector<std::string> first = reporter.news({{"bus tcp://*:5556", 3, "KEY1"}, {"control ipc://c", 0, ""}}, 5 * kSecond);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], "bus tcp://*:5556: refused 3 CURVE handshakes of clients whose public key is not in "
                      "curve_authorized_keys (the latest: KEY1); list a client's public key there to let it in");
  // The client tries again every 100 ms: the next report waits a minute and counts what came meanwhile.
  EXPECT_TRUE(reporter.news({{"bus tcp://*:5556", 50, "KEY1"}}, 30 * kSecond).empty());
  const std::vector<std::string> later = reporter.news({{"bus tcp://*:5556", 600, "KEY2"}}, 65 * kSecond);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_NE(later[0].find(": refused 597 CURVE handshakes "), std::string::npos) << later[0];
  EXPECT_NE(later[0].find("(the latest: KEY2)"), std::string::npos) << later[0];
  EXPECT_TRUE(reporter.news({{"bus tcp://*:5556", 600, "KEY2"}}, 200 * kSecond).empty()) << "nothing new";
}

TEST(RefusalReporterTest, ASocketBoundAnewCountsFromZero) {
  RefusalReporter reporter(60 * kSecond);
  ASSERT_EQ(reporter.news({{"control ipc://c", 10, "K"}}, 0).size(), 1u);
  const std::vector<std::string> rebound = reporter.news({{"control ipc://c", 1, "K"}}, 5 * kSecond);
  ASSERT_EQ(rebound.size(), 1u) << "the count went down: a new socket (a reload), whose refusal is news";
  EXPECT_NE(rebound[0].find(": refused 1 CURVE handshake of clients"), std::string::npos) << rebound[0];
}

TEST(RateLimiterTest, MessagesDifferingOnlyInNumbersShareAKey) {
  EXPECT_EQ(RateLimiter::key_of("source 'mic': lost 120 ms"), RateLimiter::key_of("source 'mic': lost 8 ms"));
  EXPECT_EQ(RateLimiter::key_of("lag 0.25 s"), RateLimiter::key_of("lag 12.5 s"));
  EXPECT_NE(RateLimiter::key_of("source 'mic': lost"), RateLimiter::key_of("source 'sys': lost"));
}

TEST(RateLimiterTest, ABurstPassesThenTheRestIsCountedAndReportedInTheNextWindow) {
  RateLimiter limiter({.burst = 3, .window_ns = 10 * kSecond});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.check("k", i).allow);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.check("k", kSecond + i).allow);
  EXPECT_TRUE(limiter.check("other", 2 * kSecond).allow) << "keys are limited apart";
  const RateDecision next = limiter.check("k", 11 * kSecond);
  EXPECT_TRUE(next.allow);
  EXPECT_EQ(next.n_suppressed_before, 5u);
  EXPECT_EQ(limiter.check("k", 11 * kSecond + 1).n_suppressed_before, 0u);
}

TEST(RateLimiterTest, ManyKeysDoNotGrowWithoutBound) {
  RateLimiter limiter({.burst = 1, .window_ns = kSecond, .max_keys = 4});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.check("key " + std::string(1, char('a' + i % 26)) +
                                                              std::to_string(i / 26), i * kSecond).allow);
}

TEST(ProgressCheckTest, AStaleHeartbeatFailsAndEndedSessionsDoNotCount) {
  const std::vector<Heartbeat> beats = {
      {"mic", 10 * kSecond}, {"system", 3 * kSecond}, {"file", std::nullopt}};
  const ProgressVerdict ok = check_progress(beats, 11 * kSecond, 10 * kSecond);
  EXPECT_TRUE(ok.healthy);
  EXPECT_NEAR(ok.worst_age_s, 8.0, 1e-9);

  const ProgressVerdict stuck = check_progress(beats, 14 * kSecond, 10 * kSecond);
  EXPECT_FALSE(stuck.healthy);
  EXPECT_EQ(stuck.stalled, std::vector<std::string>{"system"});

  EXPECT_TRUE(check_progress({}, 0, kSecond).healthy) << "no sessions: nothing is stuck";
}

TEST(RtfWindowTest, DecodeTimeOverAudioTimeWithinTheWindow) {
  RtfWindow window(60 * kSecond);
  EXPECT_EQ(window.rtf(), 0);
  window.add(0, 0, 0);
  window.add(10 * kSecond, 10, 1);
  EXPECT_NEAR(window.rtf(), 0.1, 1e-9);
  // An hour later only the last minute counts: 60 s of audio took 30 s.
  window.add(3600 * kSecond, 3600, 100);
  window.add(3660 * kSecond, 3660, 130);
  EXPECT_NEAR(window.rtf(), 0.5, 1e-9);
  // Totals that go back (sessions restarted) start a new window.
  window.add(3661 * kSecond, 1, 0.2);
  EXPECT_EQ(window.rtf(), 0);
}

TEST(StatusLineTest, NamesSourcesLagRtfDropsAndSubscribers) {
  ipc::DaemonStatus status;
  status.real_time_factor = 0.123;
  status.n_subscribers = 1;
  status.sources = {{.source = "mic", .state = ipc::SourceState::kRunning, .lag_s = 0.04},
                    {.source = "system", .state = ipc::SourceState::kPaused, .lag_s = 0.31, .dropped_audio_s = 1.5}};
  EXPECT_EQ(status_line(status),
            "2 sources: mic running, system paused (lag 0.3 s); RTF 0.12; dropped 1.5 s; 1 subscriber");
  status.drops.n_queue_full = 3;
  status.n_subscribers = 2;
  EXPECT_NE(status_line(status).find("2 subscribers; 3 bus messages lost"), std::string::npos);
}

TEST(EndpointLockTest, ASecondHolderOfAUnixSocketIsRefused) {
  testing::ScratchDir dir;
  const std::string endpoint = "ipc://" + dir.file("bus");
  EXPECT_EQ(EndpointLock::lock_path(endpoint), dir.file("bus") + ".lock");
  EXPECT_EQ(EndpointLock::lock_path("tcp://127.0.0.1:7700"), "");
  auto first = std::make_unique<EndpointLock>(endpoint);
  try {
    EndpointLock second(endpoint);
    FAIL() << "a second lock was granted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another earshotd (pid " + std::to_string(getpid()) + ")"),
              std::string::npos)
        << e.what();
  }
  first.reset();
  EXPECT_NO_THROW(EndpointLock again(endpoint));
  EXPECT_NO_THROW(EndpointLock tcp("tcp://127.0.0.1:7700"));
}

}  // namespace
}  // namespace earshot::daemon
