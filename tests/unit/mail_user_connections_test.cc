#include <gtest/gtest.h>

#include <vector>

#include "mail/user_connections.h"

namespace eider::mail {
namespace {

TEST(MemoryUserConnections, RefusesBeyondTheMaximumAndFreesWithTheSession) {
  MemoryUserConnections connections(2);
  UserConnections::Slot a = connections.acquire(1);
  UserConnections::Slot b = connections.acquire(1);
  EXPECT_TRUE(a.held() && b.held());
  EXPECT_FALSE(connections.acquire(1).held());
  EXPECT_TRUE(connections.acquire(2).held());  // another user's count
  a.reset();
  EXPECT_EQ(connections.count(1), 1u);
  UserConnections::Slot c = connections.acquire(1);
  EXPECT_TRUE(c.held());
  UserConnections::Slot moved = std::move(c);
  EXPECT_EQ(connections.count(1), 2u);
}

TEST(MemoryUserConnections, ZeroMeansNoLimit) {
  MemoryUserConnections connections(0);
  std::vector<UserConnections::Slot> slots;
  for (int i = 0; i < 100; ++i) slots.push_back(connections.acquire(1));
  EXPECT_TRUE(slots.back().held());
  EXPECT_EQ(connections.count(1), 100u);
}

}  // namespace
}  // namespace eider::mail
