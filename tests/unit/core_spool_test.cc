#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "core/memory_budget.h"
#include "core/spool.h"

namespace eider::core {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("eider-spool-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::size_t files() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir_),
                                                  std::filesystem::directory_iterator()));
  }

  std::filesystem::path dir_;
};

std::string random_bytes(std::size_t size) {
  std::mt19937 random(42);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

TEST_F(SpoolTest, KeepsBytesUpToTheThresholdInMemory) {
  Spool spool(dir_.string(), 10);
  ASSERT_TRUE(spool.append("hello").is_ok());
  ASSERT_TRUE(spool.append("world").is_ok());
  EXPECT_FALSE(spool.in_file());
  Result<SpoolView> view = spool.map();
  ASSERT_TRUE(view.is_ok());
  EXPECT_EQ(view->bytes(), "helloworld");
}

TEST_F(SpoolTest, MovesToAnUnlinkedFileBeyondTheThresholdAndMapsEveryByte) {
  const std::string bytes = random_bytes(3 * 1024 * 1024 + 17);
  Spool spool(dir_.string(), 1000);
  for (std::size_t at = 0; at < bytes.size(); at += 7001) {
    ASSERT_TRUE(spool.append(std::string_view(bytes).substr(at, 7001)).is_ok());
  }
  EXPECT_TRUE(spool.in_file());
  EXPECT_EQ(spool.size(), bytes.size());
  EXPECT_EQ(files(), 0u) << "the spool file must have no name";
  Result<SpoolView> view = spool.map();
  ASSERT_TRUE(view.is_ok());
  EXPECT_TRUE(view->bytes() == bytes);
}

TEST_F(SpoolTest, ClearEmptiesTheSpoolForTheNextMessage) {
  Spool spool(dir_.string(), 0);
  ASSERT_TRUE(spool.append("first message").is_ok());
  EXPECT_TRUE(spool.in_file());
  spool.clear();
  EXPECT_EQ(spool.size(), 0u);
  EXPECT_FALSE(spool.in_file());
  ASSERT_TRUE(spool.append("second").is_ok());
  Result<SpoolView> view = spool.map();
  ASSERT_TRUE(view.is_ok());
  EXPECT_EQ(view->bytes(), "second");
}

TEST_F(SpoolTest, AFolderThatCannotHoldTheFileFailsEveryLaterCall) {
  Spool spool((dir_ / "missing").string(), 4);
  EXPECT_TRUE(spool.append("1234").is_ok());
  EXPECT_FALSE(spool.append("5").is_ok());
  EXPECT_FALSE(spool.append("6").is_ok());
  EXPECT_EQ(spool.size(), 6u);
  EXPECT_FALSE(spool.status().is_ok());
  EXPECT_FALSE(spool.map().is_ok());
}

TEST(MemoryBudget, ReservesWhatFitsAndReleasesOnDestruction) {
  MemoryBudget budget(100);
  std::optional<MemoryBudget::Reservation> a = budget.try_reserve(60);
  ASSERT_TRUE(a);
  EXPECT_FALSE(budget.try_reserve(41));
  std::optional<MemoryBudget::Reservation> b = budget.try_reserve(40);
  ASSERT_TRUE(b);
  EXPECT_EQ(budget.used(), 100u);
  a.reset();
  EXPECT_EQ(budget.used(), 40u);
  b->release();
  EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryBudget, CutsAReservationLargerThanTheBudgetSoItRunsAlone) {
  MemoryBudget budget(100);
  std::optional<MemoryBudget::Reservation> huge = budget.try_reserve(1000);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->bytes(), 100u);
  EXPECT_FALSE(budget.try_reserve(1));
}

TEST(MemoryBudget, ZeroMeansNoBudget) {
  MemoryBudget budget(0);
  EXPECT_TRUE(budget.try_reserve(uint64_t{1} << 40));
  EXPECT_TRUE(budget.try_reserve(uint64_t{1} << 40));
}

}  // namespace
}  // namespace eider::core
