#include "ipc/topic.h"

#include <gtest/gtest.h>

namespace earshot::ipc {
namespace {

TEST(Topic, KindThenSource) {
  EXPECT_EQ(make_topic(EventKind::kFinal, "mic"), "final/mic");
  EXPECT_EQ(make_topic(EventKind::kPartial, "system"), "partial/system");
  EXPECT_EQ(make_topic(EventKind::kTranslation, "mic", "es"), "translation/es/mic");
}

TEST(Topic, RejectsBadLabels) {
  EXPECT_THROW(make_topic(EventKind::kFinal, ""), std::invalid_argument);
  EXPECT_THROW(make_topic(EventKind::kFinal, "a/b"), std::invalid_argument);
  EXPECT_THROW(make_topic(EventKind::kFinal, std::string(65, 'a')), std::invalid_argument);
  EXPECT_THROW(make_topic(EventKind::kTranslation, "mic"), std::invalid_argument);
}

}  // namespace
}  // namespace earshot::ipc
