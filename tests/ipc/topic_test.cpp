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

namespace earshot::ipc {
namespace {

TEST(Topic, ParsesWhatItMakes) {
  const auto final_topic = parse_topic("final/mic");
  ASSERT_TRUE(final_topic.has_value());
  EXPECT_EQ(final_topic->kind, EventKind::kFinal);
  EXPECT_EQ(final_topic->source, "mic");

  const auto translation = parse_topic("translation/pt-BR/system");
  ASSERT_TRUE(translation.has_value());
  EXPECT_EQ(translation->kind, EventKind::kTranslation);
  EXPECT_EQ(translation->language, "pt-BR");
  EXPECT_EQ(translation->source, "system");
}

TEST(Topic, ParseRejectsWhatMakeWouldNotProduce) {
  for (const char* topic : {"", "final", "final/", "shout/mic", "translation/mic", "final/a/b", "translation//mic"}) {
    EXPECT_FALSE(parse_topic(topic).has_value()) << topic;
  }
  EXPECT_EQ(kind_from_name("status"), EventKind::kStatus);
  EXPECT_EQ(kind_from_name("Final"), std::nullopt);
}

}  // namespace
}  // namespace earshot::ipc
