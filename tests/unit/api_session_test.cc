// The API's HTTP connections over a MemoryConnection: replies in request
// order for a pipelined burst, streamed bodies (chunked or with a length),
// an event stream that ends when the client goes or the server stops, and
// a handler's exception answered 500.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include "api/api.h"
#include "api/reply.h"
#include "core/limits.h"
#include "session_fixture.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;
using eider::testing::SessionRunner;

class ApiSession : public eider::testing::SessionFixture {
 protected:
  void SetUp() override {
    SessionFixture::SetUp();
    router_.get("/hello", {.access = Access::open}, [](Context&) -> asio::awaitable<Reply> {
      co_return ok({{"hello", "world"}});
    });
    router_.get("/chunked", {.access = Access::open}, [](Context&) -> asio::awaitable<Reply> {
      Reply reply;
      reply.content_type = "text/plain";
      reply.stream = [](BodyWriter& writer) -> asio::awaitable<Status> {
        if (Status s = co_await writer.write("abc"); !s) co_return s;
        co_return co_await writer.write("defg");
      };
      co_return reply;
    });
    router_.get("/sized", {.access = Access::open}, [](Context&) -> asio::awaitable<Reply> {
      Reply reply;
      reply.content_type = "message/rfc822";
      reply.length = 7;
      reply.stream = [](BodyWriter& writer) -> asio::awaitable<Status> {
        if (Status s = co_await writer.write("abc"); !s) co_return s;
        co_return co_await writer.write("defg");
      };
      co_return reply;
    });
    router_.get("/events", {.access = Access::open}, [this](Context&) -> asio::awaitable<Reply> {
      Reply reply;
      reply.content_type = "text/event-stream";
      reply.stream = [this](BodyWriter& writer) -> asio::awaitable<Status> {
        if (Status s = co_await writer.write("data: first\n\n"); !s) co_return s;
        while (co_await writer.wait(std::chrono::milliseconds(20))) {
          if (Status s = co_await writer.write(": ping\n\n"); !s) co_return s;
        }
        stream_ended_ = true;
        co_return Status::ok();
      };
      co_return reply;
    });
    router_.get("/woken", {.access = Access::open}, [](Context&) -> asio::awaitable<Reply> {
      Reply reply;
      reply.content_type = "text/event-stream";
      reply.stream = [](BodyWriter& writer) -> asio::awaitable<Status> {
        asio::post(writer.executor(), [&writer] { writer.wake(); });
        // Woken long before the hour is up.
        if (!co_await writer.wait(std::chrono::hours(1))) co_return Status::ok();
        co_return co_await writer.write("data: woken\n\n");
      };
      co_return reply;
    });
    router_.get("/boom", {.access = Access::open}, [](Context&) -> asio::awaitable<Reply> {
      throw std::runtime_error("a bug");
      co_return Reply{};
    });
  }

  Services services() {
    return Services{settings_, limits_, *mail_, *faulty_, executor_, limiter_, notifier_, router_};
  }

  Settings settings_;
  core::Limits limits_;
  Router router_;
  bool stream_ended_ = false;
};

TEST_F(ApiSession, PipelinedRequestsAreAnsweredInOrder) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send(
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::size_t first = out.find("HTTP/1.1 200");
  const std::size_t second = out.find("HTTP/1.1 404");
  const std::size_t third = out.find("HTTP/1.1 200", second);
  ASSERT_NE(first, std::string::npos) << out;
  ASSERT_NE(second, std::string::npos) << out;
  ASSERT_NE(third, std::string::npos) << out;
  EXPECT_LT(first, second);
  EXPECT_NE(out.find(R"({"success":true,"hello":"world"})"), std::string::npos);
  EXPECT_NE(out.find(R"({"error":"/nothing does not exist","code":"ResourceNotFound"})"),
            std::string::npos);
  EXPECT_FALSE(http.done());
}

TEST_F(ApiSession, AStreamWithoutALengthIsChunked) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
            "Connection: keep-alive\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  // The connection goes on.
  EXPECT_NE(http.send("GET /hello HTTP/1.1\r\n\r\n").find("200 OK"), std::string::npos);
}

TEST_F(ApiSession, AStreamWithALengthIsWrittenAsItIs) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send("GET /sized HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: message/rfc822\r\nContent-Length: 7\r\n"
            "Connection: keep-alive\r\n\r\nabcdefg");
}

TEST_F(ApiSession, AnEventStreamEndsWhenTheClientCloses) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  out += http.run_until(": ping", std::chrono::milliseconds(2000));
  EXPECT_NE(out.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(out.find("data: first\n\n"), std::string::npos);
  EXPECT_NE(out.find(": ping\n\n"), std::string::npos);
  http.finish(net::Read::Ended::closed);
  EXPECT_TRUE(http.done());
  EXPECT_TRUE(stream_ended_);
}

TEST_F(ApiSession, AnEventStreamEndsWhenTheServerStops) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  out += http.run_until(": ping", std::chrono::milliseconds(2000));
  http.finish(net::Read::Ended::shutdown);
  EXPECT_TRUE(http.done());
  EXPECT_TRUE(stream_ended_);
}

TEST_F(ApiSession, WakeEndsAWaitEarly) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send("GET /woken HTTP/1.1\r\nHost: x\r\n\r\n");
  out += http.run_until("data: woken", std::chrono::milliseconds(2000));
  EXPECT_NE(out.find("data: woken\n\n"), std::string::npos);
}

TEST_F(ApiSession, AHandlersExceptionIs500AndTheConnectionGoesOn) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 500"), std::string::npos);
  EXPECT_NE(out.find("InternalServerError"), std::string::npos);
  EXPECT_NE(http.send("GET /hello HTTP/1.1\r\n\r\n").find("200 OK"), std::string::npos);
}

TEST_F(ApiSession, AMalformedRequestIs400AndCloses) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(http.done());
}

TEST_F(ApiSession, ExpectContinueIsAnsweredBeforeTheBody) {
  Services s = services();
  SessionRunner http(service(s));
  std::string out = http.send(
      "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(out, "HTTP/1.1 100 Continue\r\n\r\n");
  out = http.send("{}");
  EXPECT_NE(out.find("HTTP/1.1 405"), std::string::npos) << out;
}

}  // namespace
}  // namespace eider::api
