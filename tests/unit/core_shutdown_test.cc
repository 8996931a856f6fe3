#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "core/shutdown.h"

namespace eider::core {
namespace {

TEST(ShutdownSignal, SigtermEndsTheWait) {
  ShutdownSignal shutdown;
  std::thread sender([] { std::raise(SIGTERM); });
  EXPECT_EQ(shutdown.wait(), SIGTERM);
  sender.join();
}

TEST(ShutdownSignal, SigintBeforeWaitIsKept) {
  ShutdownSignal shutdown;
  std::raise(SIGINT);
  EXPECT_EQ(shutdown.wait(), SIGINT);
}

TEST(ShutdownSignal, RequestFromAnotherThreadEndsTheWait) {
  ShutdownSignal shutdown;
  std::thread other([&] { shutdown.request(); });
  EXPECT_EQ(shutdown.wait(), 0);
  other.join();
}

}  // namespace
}  // namespace eider::core
