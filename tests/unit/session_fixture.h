// Shared by the protocol session tests: MailFixture's store, notifier and
// Mail, plus the store threads and login limiter a session's services need.
// Sessions run over a MemoryConnection (support/memory_connection.h).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mail/auth_limiter.h"
#include "mail/user_connections.h"
#include "mail_fixture.h"
#include "store/executor.h"
#include "support/memory_connection.h"

namespace eider::testing {

using net::testing::SessionRunner;

class SessionFixture : public mail::testing::MailFixture {
 protected:
  store::Executor executor_{2};
  // Failed logins cost a millisecond, not the server's second.
  mail::MemoryAuthLimiter limiter_{
      {.base_delay = std::chrono::milliseconds(1), .max_delay = std::chrono::milliseconds(1)}};
  mail::MemoryUserConnections user_connections_{20};
};

// The lines of `output`, without their CRLF.
inline std::vector<std::string> lines_of(const std::string& output) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  for (std::size_t end; (end = output.find("\r\n", begin)) != std::string::npos; begin = end + 2) {
    lines.push_back(output.substr(begin, end - begin));
  }
  if (begin < output.size()) lines.push_back(output.substr(begin));
  return lines;
}

}  // namespace eider::testing
