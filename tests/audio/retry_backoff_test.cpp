#include "audio/retry_backoff.h"

#include <gtest/gtest.h>

namespace earshot::audio {
namespace {

using std::chrono::milliseconds;

TEST(RetryBackoff, DoublesFromTheBaseUpToTheCapAndStartsAgainAfterASuccess) {
  RetryBackoff backoff(milliseconds(250), milliseconds(4000));
  EXPECT_EQ(backoff.next(), milliseconds(250)) << "a server that restarts at once is found at once";
  EXPECT_EQ(backoff.next(), milliseconds(500));
  EXPECT_EQ(backoff.next(), milliseconds(1000));
  EXPECT_EQ(backoff.next(), milliseconds(2000));
  EXPECT_EQ(backoff.next(), milliseconds(4000));
  EXPECT_EQ(backoff.next(), milliseconds(4000)) << "never longer than the cap";
  backoff.reset();
  EXPECT_EQ(backoff.next(), milliseconds(250));
}

TEST(RetryBackoff, ABaseAboveTheCapStaysAsItIs) {
  RetryBackoff backoff(milliseconds(6000), milliseconds(4000));
  EXPECT_EQ(backoff.next(), milliseconds(6000));
  EXPECT_EQ(backoff.next(), milliseconds(6000));
  EXPECT_EQ(backoff.describe(), "retrying every 6000 ms");
}

TEST(RetryBackoff, SaysHowItRetries) {
  EXPECT_EQ(RetryBackoff(milliseconds(250)).describe(),
            "retrying every 250 ms, then less often (up to 4000 ms apart)");
}

}  // namespace
}  // namespace earshot::audio
