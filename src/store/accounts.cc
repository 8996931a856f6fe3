#include "store/accounts.h"

#include <algorithm>
#include <chrono>

#include "core/ascii.h"
#include "store/names.h"

namespace eider::store {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> normalize_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const std::string& tag : tags) {
    std::string lowered = core::ascii_lowercase(trim(tag));
    if (lowered.empty() || std::find(out.begin(), out.end(), lowered) != out.end()) continue;
    out.push_back(std::move(lowered));
  }
  return out;
}

std::string encode_tags(const std::vector<std::string>& tags) {
  if (tags.empty()) return "";
  std::string out = ",";
  for (const std::string& tag : tags) out += tag + ",";
  return out;
}

std::vector<std::string> decode_tags(std::string_view column) {
  return split(column, ',');
}

std::string encode_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::vector<std::string> decode_lines(std::string_view column) {
  return split(column, '\n');
}

const std::vector<MailboxTemplate>& default_mailboxes() {
  static const std::vector<MailboxTemplate> mailboxes = {
      {"INBOX", ""},      {"Drafts", "\\Drafts"}, {"Sent", "\\Sent"},
      {"Junk", "\\Junk"}, {"Trash", "\\Trash"},   {"Archive", "\\Archive"},
  };
  return mailboxes;
}

Result<std::vector<MailboxTemplate>> new_user_mailboxes(
    const std::vector<MailboxTemplate>& wanted) {
  const std::vector<MailboxTemplate>& given = wanted.empty() ? default_mailboxes() : wanted;
  std::vector<MailboxTemplate> out = {{"INBOX", ""}};
  for (const MailboxTemplate& mailbox : given) {
    Result<std::string> path = normalize_path(mailbox.path);
    if (!path) return path.status();
    EIDER_RETURN_IF_ERROR(check_special_use(mailbox.special_use));
    if (*path == "INBOX") {
      if (!mailbox.special_use.empty()) {
        return error(Code::invalid_argument, "INBOX takes no special use");
      }
      continue;
    }
    for (const MailboxTemplate& seen : out) {
      if (seen.path == *path) {
        return error(Code::invalid_argument, "mailbox \"" + *path + "\" is listed twice");
      }
    }
    out.push_back({*path, mailbox.special_use});
  }
  return out;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace eider::store
