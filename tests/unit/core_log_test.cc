#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/log.h"

namespace eider::core {
namespace {

TEST(FormatEvent, WritesKeyValueFieldsQuotingWhereNeeded) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain", "event=e k=plain"},
      {"", "event=e k=\"\""},
      {"two words", "event=e k=\"two words\""},
      {"a=b", "event=e k=\"a=b\""},
      {"say \"hi\"", "event=e k=\"say \\\"hi\\\"\""},
      {"back\\slash", "event=e k=\"back\\\\slash\""},
      {"line\nbreak\r", "event=e k=\"line\\nbreak\\r\""},
      {std::string("nul\0", 4), "event=e k=\"nul\\x00\""},
      {"ünï", "event=e k=ünï"},
  };
  for (const auto& [value, line] : cases) {
    SCOPED_TRACE(line);
    EXPECT_EQ(format_event("e", {{"k", value}}), line);
  }
}

TEST(FormatEvent, KeepsFieldOrderAndFormatsIntegers) {
  EXPECT_EQ(format_event("deliver", {{"user", "bob"}, {"uid", 42}, {"size", uint64_t{7}}}),
            "event=deliver user=bob uid=42 size=7");
}

TEST(Logging, WritesOneLinePerEventToTheLogFile) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("eider_log_test_" + std::to_string(::getpid()) + ".log"))
                         .string();
  std::filesystem::remove(path);
  ASSERT_TRUE(init_logging({path, "info"}).is_ok());
  log_event(LogLevel::debug, "hidden");
  log_event(LogLevel::info, "shown", {{"text", "multi\nline"}});
  log_event(LogLevel::error, "failed", {{"code", 3}});
  ASSERT_TRUE(init_logging({}).is_ok());

  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::filesystem::remove(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" info event=shown text=\"multi\\nline\""), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(" error event=failed code=3"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[0][4], '-');  // starts with an ISO 8601 date
}

TEST(Logging, RejectsUnknownLevelAndUnwritableFile) {
  EXPECT_EQ(init_logging({"", "loud"}).code(), Code::invalid_argument);
  EXPECT_EQ(init_logging({"/dev/null/x.log", "info"}).code(), Code::io_error);
}

}  // namespace
}  // namespace eider::core
