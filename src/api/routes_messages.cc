// /users/:user/mailboxes/:mailbox/messages: list, get (parsed), message.eml,
// attachments, upload (raw or composed), flags and move, delete; and
// /users/:user/search. WildDuck's lib/api/messages.js.
#include <algorithm>
#include <boost/json/array.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <memory>

#include "api/ids.h"
#include "api/mail_lookup.h"
#include "api/reply.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/validate.h"
#include "core/ascii.h"
#include "core/limits.h"
#include "mail/mail.h"
#include "mime/codec_base64.h"
#include "mime/compose.h"
#include "mime/message_view.h"
#include "mime/tree.h"
#include "store/executor.h"
#include "store/flags.h"

namespace eider::api {
namespace {

namespace asio = boost::asio;

// Pieces a streamed body is written in.
constexpr size_t kStreamPiece = 64 * 1024;

// "1", "1,2,5" or "1:20", "4:*" (WildDuck's message list forms).
constexpr std::string_view kUidListPattern = R"(\d+(,\d+)*|\d+:(\d+|\*))";

Reply message_not_found() {
  return fail(404, "MessageNotFound", "This message does not exist");
}

std::string iso_time(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buffer;
}

// ISO 8601 ("2024-01-31T10:00:00Z", "...+02:00", a bare date) or a number
// of milliseconds since the epoch, as Joi.date() takes them.
std::optional<int64_t> parse_iso_time(const json::value& value) {
  if (value.is_int64()) return value.as_int64() / 1000;
  if (value.is_uint64()) return static_cast<int64_t>(value.as_uint64() / 1000);
  if (value.is_double()) return static_cast<int64_t>(value.as_double() / 1000);
  if (!value.is_string()) return std::nullopt;
  std::string text(value.as_string());
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(static_cast<size_t>(used));
  int offset = 0;
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != ' ') return std::nullopt;
    int more = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d:%2d%n", &hour, &minute, &second,
                    &more) != 3) {
      return std::nullopt;
    }
    rest = rest.substr(1 + static_cast<size_t>(more));
    if (!rest.empty() && rest[0] == '.') {
      size_t digits = 1;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
      rest = rest.substr(digits);
    }
    if (rest == "Z" || rest.empty()) {
      offset = 0;
    } else if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':') {
      int h = 0, m = 0;
      if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &h, &m) != 2) {
        return std::nullopt;
      }
      offset = (rest[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    } else {
      return std::nullopt;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

bool has_flag(std::string_view flags, std::string_view flag) {
  for (const std::string& f : store::split_flags(flags)) {
    if (f == flag) return true;
  }
  return false;
}

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

template <typename Flags>
void put_flags(json::object& fields, const Flags& flags) {
  fields["seen"] = has_flag(flags, "\\Seen");
  fields["deleted"] = has_flag(flags, "\\Deleted");
  fields["flagged"] = has_flag(flags, "\\Flagged");
  fields["draft"] = has_flag(flags, "\\Draft");
  fields["answered"] = has_flag(flags, "\\Answered");
  fields["forwarded"] = has_flag(flags, "$Forwarded");
}

json::object address_json(const mime::DisplayAddress& a) {
  json::object out;
  out["name"] = a.name;
  out["address"] = a.address;
  return out;
}

json::array addresses_json(const std::vector<mime::DisplayAddress>& list) {
  json::array out;
  for (const mime::DisplayAddress& a : list) out.push_back(address_json(a));
  return out;
}

json::value first_address(const std::vector<mime::DisplayAddress>& list) {
  if (list.empty()) return nullptr;
  return address_json(list.front());
}

// The header-derived fields of a message (listing and get).
void put_header_fields(json::object& fields, const mime::MessageView& view, int64_t idate) {
  fields["from"] = first_address(view.from);
  fields["replyTo"] = addresses_json(view.reply_to);
  fields["to"] = addresses_json(view.to);
  fields["cc"] = addresses_json(view.cc);
  fields["bcc"] = addresses_json(view.bcc);
  fields["subject"] = view.subject;
  fields["messageId"] = view.message_id;
  fields["date"] = iso_time(view.date.value_or(idate));
  fields["idate"] = iso_time(idate);
}

// The messages a uid list names ("1,5", "2:7", "3:*"), among `existing`
// (ascending).
std::vector<uint32_t> select_uids(std::string_view spec, const std::vector<uint32_t>& existing) {
  std::vector<uint32_t> out;
  auto number = [](std::string_view text) {
    uint64_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
  };
  size_t colon = spec.find(':');
  if (colon != std::string_view::npos) {
    const uint64_t first = number(spec.substr(0, colon));
    const std::string_view last_text = spec.substr(colon + 1);
    const uint64_t last = last_text == "*" ? UINT64_MAX : number(last_text);
    for (uint32_t uid : existing) {
      if (uid >= std::min(first, last) && uid <= std::max(first, last)) out.push_back(uid);
    }
    return out;
  }
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    const uint64_t uid =
        number(spec.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (std::binary_search(existing.begin(), existing.end(), uid)) {
      out.push_back(static_cast<uint32_t>(uid));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A message's bytes and their parse, read on a store thread.
struct LoadedMessage {
  store::MessageInfo info;
  std::string bytes;
};

asio::awaitable<Result<LoadedMessage>> load_message(Context& ctx, int64_t user_id,
                                                    int64_t mailbox_id, uint32_t uid) {
  store::Store& store = ctx.services.store;
  co_return co_await ctx.services.executor.run(
      [&store, user_id, mailbox_id, uid]() -> Result<LoadedMessage> {
        Result<store::StoredMessage> stored = store.read_message(user_id, mailbox_id, uid);
        if (!stored) return stored.status();
        Result<std::string> bytes = mime::rebuild(
            stored->tree, [&store](const mime::BlobKey& key) { return store.read_blob(key); });
        if (!bytes) return bytes.status();
        return LoadedMessage{stored->info, std::move(*bytes)};
      });
}

// The user and mailbox of a message route, or the reply to give.
struct Place {
  store::User user;
  store::Mailbox mailbox;
};

asio::awaitable<std::variant<Place, Reply>> find_place(Context& ctx, const Validated& input) {
  auto user = co_await find_user(ctx, input.text("user"));
  if (auto* reply = std::get_if<Reply>(&user)) co_return std::move(*reply);
  Place place{std::move(std::get<store::User>(user)), {}};
  auto mailbox = co_await find_mailbox(ctx, place.user.id, input.text("mailbox"));
  if (auto* reply = std::get_if<Reply>(&mailbox)) co_return std::move(*reply);
  place.mailbox = std::move(std::get<store::Mailbox>(mailbox));
  co_return place;
}

// A streamed reply of `bytes` (message.eml, an attachment), written in
// pieces so a large one is not one write.
Reply stream_bytes(std::string content_type, std::string bytes) {
  Reply reply;
  reply.content_type = std::move(content_type);
  reply.length = bytes.size();
  auto shared = std::make_shared<std::string>(std::move(bytes));
  reply.stream = [shared](BodyWriter& writer) -> asio::awaitable<Status> {
    std::string_view rest = *shared;
    while (!rest.empty()) {
      const size_t n = std::min(rest.size(), kStreamPiece);
      Status written = co_await writer.write(rest.substr(0, n));
      if (!written) co_return written;
      rest.remove_prefix(n);
    }
    co_return Status::ok();
  };
  return reply;
}

// --- Listing ---------------------------------------------------------------

// Cursors are the uid a page ended (next) or began (previous) at, as
// "n<uid>" / "p<uid>": opaque to clients, as WildDuck's.
std::optional<uint32_t> cursor_uid(std::string_view cursor, char kind) {
  if (cursor.size() < 2 || cursor[0] != kind) return std::nullopt;
  uint32_t uid = 0;
  auto [end, ec] = std::from_chars(cursor.data() + 1, cursor.data() + cursor.size(), uid);
  if (ec != std::errc() || end != cursor.data() + cursor.size()) return std::nullopt;
  return uid;
}

asio::awaitable<Reply> list_messages(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::id("mailbox").required(),
      Field::boolean("unseen").fallback(false),
      Field::boolean("metaData").fallback(false),
      Field::boolean("threadCounters").fallback(false),
      Field::integer("limit").fallback(20).range(1, 250),
      Field::string("order").one_of({"asc", "desc"}).fallback("desc"),
      Field::string("next").empty_as_absent().pattern("[npNP][0-9]+", "cursor"),
      Field::string("previous").empty_as_absent().pattern("[npNP][0-9]+", "cursor"),
      Field::integer("page").fallback(1).range(1, 1e9),
      Field::string("includeHeaders").empty_as_absent().length(0, 1024),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));
  const int64_t user_id = place.user.id;
  const int64_t mailbox_key = place.mailbox.id;
  store::Store& store = ctx.services.store;
  Result<store::FlagListing> listing = co_await ctx.services.executor.run(
      [&store, user_id, mailbox_key] { return store.list_flags(user_id, mailbox_key); });
  if (!listing) co_return from_status(listing.status());
  std::vector<store::UidFlags> messages;
  for (store::UidFlags& m : listing->messages) {
    if (input.flag("unseen") && has_flag(m.flags, "\\Seen")) continue;
    messages.push_back(std::move(m));
  }
  const bool descending = input.text("order") == "desc";
  if (descending) std::reverse(messages.begin(), messages.end());
  const size_t limit = static_cast<size_t>(input.integer("limit"));
  size_t begin = 0;
  int64_t page = input.integer("page");
  if (input.has("next")) {
    std::optional<uint32_t> uid = cursor_uid(input.text("next"), 'n');
    if (!uid) {
      json::object details;
      details["next"] = "\"next\" is not a cursor of this listing";
      co_return validation_failed("\"next\" is not a cursor of this listing", std::move(details));
    }
    const bool desc = descending;
    const uint32_t u = *uid;
    begin = static_cast<size_t>(
        std::find_if(messages.begin(), messages.end(),
                     [desc, u](const store::UidFlags& m) { return desc ? m.uid < u : m.uid > u; }) -
        messages.begin());
  } else if (input.has("previous")) {
    std::optional<uint32_t> uid = cursor_uid(input.text("previous"), 'p');
    if (!uid) {
      json::object details;
      details["previous"] = "\"previous\" is not a cursor of this listing";
      co_return validation_failed("\"previous\" is not a cursor of this listing",
                                  std::move(details));
    }
    const bool desc = descending;
    const uint32_t u = *uid;
    const size_t end = static_cast<size_t>(std::find_if(messages.begin(), messages.end(),
                                                        [desc, u](const store::UidFlags& m) {
                                                          return desc ? m.uid <= u : m.uid >= u;
                                                        }) -
                                           messages.begin());
    begin = end > limit ? end - limit : 0;
  } else {
    begin = std::min(messages.size(), static_cast<size_t>(page - 1) * limit);
  }
  const size_t end = std::min(messages.size(), begin + limit);
  std::vector<uint32_t> uids;
  for (size_t i = begin; i < end; ++i) uids.push_back(messages[i].uid);
  std::vector<uint32_t> ascending = uids;
  std::sort(ascending.begin(), ascending.end());
  Result<std::vector<store::StoredMessage>> stored =
      co_await ctx.services.executor.run([&store, user_id, mailbox_key, &ascending] {
        return store.read_messages(user_id, mailbox_key, ascending, true);
      });
  if (!stored) co_return from_status(stored.status());

  std::vector<std::string> wanted_headers;
  if (input.has("includeHeaders")) {
    std::string_view list = input.text("includeHeaders");
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string_view name = core::trim_wsp(
          list.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (!name.empty()) wanted_headers.push_back(core::ascii_lowercase(name));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }

  json::array results;
  const std::string box_id = mailbox_id(place.mailbox);
  for (uint32_t uid : uids) {
    auto it = std::find_if(stored->begin(), stored->end(),
                           [uid](const store::StoredMessage& m) { return m.info.uid == uid; });
    if (it == stored->end()) continue;  // expunged meanwhile
    Result<std::string> header = mime::leading_bytes(it->tree);
    mime::MessageView view = mime::view_of_header(header ? *header : std::string());
    json::object fields;
    fields["id"] = uid;
    fields["mailbox"] = box_id;
    fields["thread"] = encode_id(0, std::max<int64_t>(it->info.thread_id, 1));
    put_header_fields(fields, view, it->info.internal_date);
    fields["intro"] = "";
    fields["attachments"] =
        core::ascii_lowercase(it->bodystructure).find("\"attachment\"") != std::string::npos;
    fields["size"] = it->info.size;
    put_flags(fields, it->info.flags);
    if (!wanted_headers.empty()) {
      json::object headers;
      for (const mime::ViewHeader& h : view.headers) {
        if (std::find(wanted_headers.begin(), wanted_headers.end(), h.key) !=
                wanted_headers.end() &&
            !headers.contains(h.key)) {
          headers[h.key] = h.value;
        }
      }
      fields["headers"] = std::move(headers);
    }
    results.push_back(std::move(fields));
  }

  json::object reply;
  reply["total"] = messages.size();
  reply["page"] = page;
  if (begin > 0 && !uids.empty()) {
    reply["previousCursor"] = "p" + std::to_string(uids.front());
  } else {
    reply["previousCursor"] = false;
  }
  if (end < messages.size() && !uids.empty()) {
    reply["nextCursor"] = "n" + std::to_string(uids.back());
  } else {
    reply["nextCursor"] = false;
  }
  reply["specialUse"] = special_use_value(place.mailbox);
  reply["results"] = std::move(results);
  co_return ok(std::move(reply));
}

// --- One message -----------------------------------------------------------

Field message_field() {
  return Field::integer("message").required().range(1, 4294967295.0);
}

asio::awaitable<Reply> get_message(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::id("mailbox").required(),
      message_field(),
      Field::boolean("markAsSeen").fallback(false),
      Field::boolean("replaceCidLinks").fallback(false),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));
  const uint32_t uid = static_cast<uint32_t>(input.integer("message"));
  Result<LoadedMessage> loaded = co_await load_message(ctx, place.user.id, place.mailbox.id, uid);
  if (!loaded) {
    if (loaded.status().code() == Code::not_found) co_return message_not_found();
    co_return from_status(loaded.status());
  }
  if (input.flag("markAsSeen") && !has_flag(loaded->info.flags, "\\Seen")) {
    mail::Mail& mail = ctx.services.mail;
    const int64_t user_id = place.user.id;
    const int64_t box = place.mailbox.id;
    Result<std::vector<store::MessageInfo>> marked =
        co_await ctx.services.executor.run([&mail, user_id, box, uid] {
          return mail.set_flags(user_id, box, {uid}, store::FlagMode::add, {"\\Seen"});
        });
    if (!marked) co_return from_status(marked.status());
    loaded->info.flags.push_back("\\Seen");
  }
  const mime::Message parsed = mime::parse(loaded->bytes);
  mime::MessageView view = mime::make_view(loaded->bytes, parsed);

  json::object fields;
  fields["id"] = uid;
  fields["mailbox"] = mailbox_id(place.mailbox);
  fields["user"] = encode_id(user_created(place.user), place.user.id);
  fields["thread"] = encode_id(0, std::max<int64_t>(loaded->info.thread_id, 1));
  put_header_fields(fields, view, loaded->info.internal_date);
  if (!view.in_reply_to.empty()) fields["inReplyTo"] = view.in_reply_to;
  fields["size"] = loaded->info.size;
  put_flags(fields, loaded->info.flags);
  json::array headers;
  for (const mime::ViewHeader& h : view.headers) {
    json::object header;
    header["key"] = h.key;
    header["value"] = h.value;
    headers.push_back(std::move(header));
  }
  fields["headers"] = std::move(headers);
  fields["text"] = view.text;
  json::array html;
  for (std::string& part : view.html) {
    if (input.flag("replaceCidLinks")) {
      // cid:x links point at the attachment route, as WildDuck's.
      const std::string base = "/users/" + encode_id(user_created(place.user), place.user.id) +
                               "/mailboxes/" + mailbox_id(place.mailbox) + "/messages/" +
                               std::to_string(uid) + "/attachments/";
      for (const mime::ViewAttachment& a : view.attachments) {
        if (a.content_id.empty()) continue;
        const std::string link = "cid:" + a.content_id;
        for (size_t at = part.find(link); at != std::string::npos; at = part.find(link, at)) {
          part.replace(at, link.size(), base + a.id);
          at += base.size() + a.id.size();
        }
      }
    }
    html.push_back(json::value(part));
  }
  fields["html"] = std::move(html);
  json::array attachments;
  for (const mime::ViewAttachment& a : view.attachments) {
    json::object item;
    item["id"] = a.id;
    item["filename"] = a.filename;
    item["contentType"] = a.content_type;
    item["disposition"] = a.disposition.empty() ? "attachment" : a.disposition;
    item["transferEncoding"] = a.transfer_encoding;
    item["related"] = a.related;
    item["sizeKb"] = (a.size + 1023) / 1024;
    item["size"] = a.size;
    if (!a.content_id.empty()) item["cid"] = a.content_id;
    attachments.push_back(std::move(item));
  }
  fields["attachments"] = std::move(attachments);
  json::object content_type;
  content_type["value"] = view.content_type;
  fields["contentType"] = std::move(content_type);
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> get_message_source(Context& ctx) {
  static const Schema schema{Field::id("user").required(), Field::id("mailbox").required(),
                             message_field()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));
  const uint32_t uid = static_cast<uint32_t>(input.integer("message"));
  Result<LoadedMessage> loaded = co_await load_message(ctx, place.user.id, place.mailbox.id, uid);
  if (!loaded) {
    if (loaded.status().code() == Code::not_found) co_return message_not_found();
    co_return from_status(loaded.status());
  }
  co_return stream_bytes("message/rfc822", std::move(loaded->bytes));
}

asio::awaitable<Reply> get_attachment(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(), Field::id("mailbox").required(), message_field(),
      Field::string("attachment").required().pattern("[Aa][Tt][Tt][0-9]{1,9}", "attachment id")};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));
  const uint32_t uid = static_cast<uint32_t>(input.integer("message"));
  Result<LoadedMessage> loaded = co_await load_message(ctx, place.user.id, place.mailbox.id, uid);
  if (!loaded) {
    if (loaded.status().code() == Code::not_found) co_return message_not_found();
    co_return from_status(loaded.status());
  }
  // WildDuck's ids are ATT and five digits; ATT1 names the same one.
  std::string_view digits = input.text("attachment").substr(3);
  uint64_t index = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), index);
  char id[32];
  std::snprintf(id, sizeof id, "ATT%05llu", static_cast<unsigned long long>(index));
  const mime::Message parsed = mime::parse(loaded->bytes);
  const mime::Part* part = mime::find_attachment(parsed, id);
  if (part == nullptr) {
    co_return fail(404, "AttachmentNotFound", "This attachment does not exist");
  }
  co_return stream_bytes(part->type + "/" + part->subtype, mime::decode_body(loaded->bytes, *part));
}

// --- Changes ---------------------------------------------------------------

// PUT .../messages/:message and PUT .../messages: flags, then a move.
asio::awaitable<Reply> update_messages(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::id("mailbox").required(),
      Field::string("message").required().pattern(kUidListPattern, "message list"),
      Field::id("moveTo"),
      Field::boolean("seen"),
      Field::boolean("deleted"),
      Field::boolean("flagged"),
      Field::boolean("draft"),
      Field::any("expires"),
      Field::any("metaData"),
  };
  // The single-message route names its message in the path as a number.
  if (auto it = ctx.input.find("message"); it != ctx.input.end() && it->value().is_number()) {
    it->value() = json::value(std::to_string(it->value().to_number<uint64_t>()));
  }
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));
  const int64_t user_id = place.user.id;
  const int64_t box = place.mailbox.id;
  std::optional<store::Mailbox> target;
  if (input.has("moveTo")) {
    auto to = co_await find_mailbox(ctx, user_id, input.text("moveTo"));
    if (auto* reply = std::get_if<Reply>(&to)) co_return std::move(*reply);
    target = std::move(std::get<store::Mailbox>(to));
  }
  store::Store& store = ctx.services.store;
  Result<store::FlagListing> listing = co_await ctx.services.executor.run(
      [&store, user_id, box] { return store.list_flags(user_id, box); });
  if (!listing) co_return from_status(listing.status());
  std::vector<uint32_t> existing;
  for (const store::UidFlags& m : listing->messages) existing.push_back(m.uid);
  const std::vector<uint32_t> uids = select_uids(input.text("message"), existing);
  if (uids.empty()) co_return message_not_found();

  std::vector<std::string> add, remove;
  auto flag = [&](std::string_view field, const char* name) {
    if (!input.has(field)) return;
    (input.flag(field) ? add : remove).push_back(name);
  };
  flag("seen", "\\Seen");
  flag("deleted", "\\Deleted");
  flag("flagged", "\\Flagged");
  flag("draft", "\\Draft");
  mail::Mail& mail = ctx.services.mail;
  Result<size_t> updated = co_await ctx.services.executor.run([&]() -> Result<size_t> {
    std::vector<uint32_t> changed;
    for (const auto& [mode, flags] :
         {std::pair{store::FlagMode::add, add}, std::pair{store::FlagMode::remove, remove}}) {
      if (flags.empty()) continue;
      Result<std::vector<store::MessageInfo>> done =
          mail.set_flags(user_id, box, uids, mode, flags);
      if (!done) return done.status();
      for (const store::MessageInfo& m : *done) changed.push_back(m.uid);
    }
    std::sort(changed.begin(), changed.end());
    return static_cast<size_t>(std::unique(changed.begin(), changed.end()) - changed.begin());
  });
  if (!updated) co_return from_status(updated.status());
  json::object fields;
  if (target) {
    if (target->id == box)
      co_return fail(400, "InputValidationError", "The message is already in this mailbox");
    const std::string to_path = target->path;
    Result<std::vector<store::UidPair>> moved = co_await ctx.services.executor.run(
        [&mail, user_id, box, &uids, &to_path] { return mail.move(user_id, box, uids, to_path); });
    if (!moved) co_return from_status(moved.status());
    fields["mailbox"] = mailbox_id(*target);
    json::array ids;
    for (const store::UidPair& pair : *moved) ids.push_back(json::array{pair.from, pair.to});
    fields["id"] = std::move(ids);
  } else {
    fields["updated"] = *updated;
  }
  co_return ok(std::move(fields));
}

asio::awaitable<Reply> delete_message(Context& ctx) {
  static const Schema schema{Field::id("user").required(), Field::id("mailbox").required(),
                             message_field()};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));
  const uint32_t uid = static_cast<uint32_t>(input.integer("message"));
  mail::Mail& mail = ctx.services.mail;
  const int64_t user_id = place.user.id;
  const int64_t box = place.mailbox.id;
  Result<std::vector<uint32_t>> gone = co_await ctx.services.executor.run(
      [&mail, user_id, box, uid] { return mail.expunge(user_id, box, {uid}); });
  if (!gone) co_return from_status(gone.status());
  if (gone->empty()) co_return message_not_found();
  co_return ok();
}

asio::awaitable<Reply> delete_messages(Context& ctx) {
  static const Schema schema{Field::id("user").required(), Field::id("mailbox").required(),
                             Field::boolean("async").fallback(false)};
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));
  mail::Mail& mail = ctx.services.mail;
  store::Store& store = ctx.services.store;
  const int64_t user_id = place.user.id;
  const int64_t box = place.mailbox.id;
  // In batches, so a large mailbox is many short transactions rather than
  // one that holds the writer.
  Result<size_t> deleted = co_await ctx.services.executor.run([&]() -> Result<size_t> {
    Result<store::FlagListing> listing = store.list_flags(user_id, box);
    if (!listing) return listing.status();
    size_t count = 0;
    constexpr size_t kBatch = 1000;
    for (size_t i = 0; i < listing->messages.size(); i += kBatch) {
      std::vector<uint32_t> uids;
      for (size_t j = i; j < std::min(listing->messages.size(), i + kBatch); ++j) {
        uids.push_back(listing->messages[j].uid);
      }
      Result<std::vector<uint32_t>> gone = mail.expunge(user_id, box, uids);
      if (!gone) return gone.status();
      count += gone->size();
    }
    return count;
  });
  if (!deleted) co_return from_status(deleted.status());
  json::object fields;
  fields["deleted"] = *deleted;
  fields["errors"] = 0;
  co_return ok(std::move(fields));
}

// --- Upload ----------------------------------------------------------------

std::optional<std::string> read_address(const json::value& value, mime::ComposeAddress& out) {
  if (!value.is_object()) return "must be an object";
  const json::object& object = value.as_object();
  for (const auto& [key, v] : object) {
    if (key != "name" && key != "address")
      return "has an unknown field \"" + std::string(key) + "\"";
    if (!v.is_string()) return "must hold strings";
  }
  if (const json::value* name = object.if_contains("name"))
    out.name = std::string(name->as_string());
  const json::value* address = object.if_contains("address");
  if (address == nullptr) return "needs an address";
  out.address = std::string(address->as_string());
  if (out.address.size() > 512 || out.name.size() > 1024) return "is too long";
  return std::nullopt;
}

std::optional<std::string> read_addresses(const json::value& value,
                                          std::vector<mime::ComposeAddress>& out) {
  if (!value.is_array()) return "must be an array";
  for (const json::value& item : value.as_array()) {
    mime::ComposeAddress a;
    if (std::optional<std::string> bad = read_address(item, a)) return bad;
    out.push_back(std::move(a));
  }
  return std::nullopt;
}

// The JSON description as compose() input, or the field and what is wrong.
std::optional<std::pair<std::string, std::string>> read_compose(const Validated& input,
                                                                mime::ComposeInput& in) {
  auto wrong = [](std::string field, std::string what) {
    return std::optional{std::pair{field, "\"" + field + "\" " + what}};
  };
  if (input.has("from")) {
    mime::ComposeAddress from;
    if (auto bad = read_address(input.value("from"), from)) return wrong("from", *bad);
    in.from = std::move(from);
  }
  for (auto [name, list] : {std::pair{"to", &in.to}, std::pair{"cc", &in.cc},
                            std::pair{"bcc", &in.bcc}, std::pair{"replyTo", &in.reply_to}}) {
    if (!input.has(name)) continue;
    const json::value& value = input.value(name);
    if (value.is_object()) {
      mime::ComposeAddress one;
      if (auto bad = read_address(value, one)) return wrong(name, *bad);
      list->push_back(std::move(one));
    } else if (auto bad = read_addresses(value, *list)) {
      return wrong(name, *bad);
    }
  }
  in.subject = std::string(input.text("subject"));
  if (input.has("text")) in.text = std::string(input.text("text"));
  if (input.has("html")) in.html = std::string(input.text("html"));
  if (input.has("headers")) {
    for (const json::value& item : input.value("headers").as_array()) {
      if (!item.is_object()) return wrong("headers", "must hold {key, value} objects");
      const json::value* key = item.as_object().if_contains("key");
      const json::value* value = item.as_object().if_contains("value");
      if (key == nullptr || !key->is_string() || (value != nullptr && !value->is_string())) {
        return wrong("headers", "must hold {key, value} objects");
      }
      in.headers.push_back(
          {std::string(key->as_string()), value ? std::string(value->as_string()) : ""});
    }
  }
  if (input.has("attachments")) {
    for (const json::value& item : input.value("attachments").as_array()) {
      if (!item.is_object()) return wrong("attachments", "must hold objects");
      const json::object& a = item.as_object();
      mime::ComposeAttachment attachment;
      for (const auto& [key, v] : a) {
        if (key != "filename" && key != "contentType" && key != "encoding" &&
            key != "contentTransferEncoding" && key != "content" && key != "cid") {
          return wrong("attachments", "has an unknown field \"" + std::string(key) + "\"");
        }
        if (!v.is_string()) return wrong("attachments", "must hold strings");
      }
      auto text = [&a](const char* key) {
        const json::value* v = a.if_contains(key);
        return v ? std::string(v->as_string()) : std::string();
      };
      const std::string encoding = text("encoding").empty() ? "base64" : text("encoding");
      if (encoding == "base64") {
        attachment.content = mime::base64_decode(text("content")).bytes;
      } else if (encoding == "utf8" || encoding == "utf-8") {
        attachment.content = text("content");
      } else {
        return wrong("attachments", "has an unknown encoding \"" + encoding + "\"");
      }
      attachment.filename = text("filename");
      attachment.content_type = text("contentType");
      attachment.content_id = text("cid");
      attachment.inline_disposition = !attachment.content_id.empty();
      in.attachments.push_back(std::move(attachment));
    }
  }
  if (input.has("inReplyTo")) in.in_reply_to = std::string(input.text("inReplyTo"));
  return std::nullopt;
}

asio::awaitable<Reply> upload_message(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::id("mailbox").required(),
      Field::boolean("unseen").fallback(false),
      Field::boolean("flagged").fallback(false),
      Field::boolean("draft").fallback(false),
      Field::any("date"),
      Field::string("raw").empty_as_absent(),
      Field::any("from"),
      Field::any("replyTo"),
      Field::any("to"),
      Field::any("cc"),
      Field::any("bcc"),
      Field::array("headers"),
      Field::string("subject").length(0, 2 * 1024).fallback(""),
      Field::string("text").length(0, 1024 * 1024),
      Field::string("html").length(0, 1024 * 1024),
      Field::array("attachments"),
      Field::string("inReplyTo").length(0, 998),
      Field::any("metaData"),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  auto found = co_await find_place(ctx, input);
  if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
  const Place place = std::move(std::get<Place>(found));

  int64_t date = mail::now_seconds();
  if (input.has("date")) {
    std::optional<int64_t> parsed = parse_iso_time(input.value("date"));
    if (!parsed) {
      json::object details;
      details["date"] = "\"date\" must be a valid date";
      co_return validation_failed("\"date\" must be a valid date", std::move(details));
    }
    date = *parsed;
  }
  std::string raw;
  if (!ctx.raw_body.empty()) {
    raw = std::string(ctx.raw_body);
  } else if (input.has("raw")) {
    raw = std::string(input.text("raw"));
  } else {
    mime::ComposeInput in;
    if (auto bad = read_compose(input, in)) {
      json::object details;
      details[bad->first] = bad->second;
      co_return validation_failed(bad->second, std::move(details));
    }
    Result<std::string> composed =
        mime::compose(in, mime::ComposeOptions{.date = date, .message_id_domain = "eider.local"});
    if (!composed) {
      json::object details;
      details["headers"] = composed.status().message();
      co_return validation_failed(composed.status().message(), std::move(details));
    }
    raw = std::move(*composed);
  }
  std::vector<std::string> flags;
  if (!input.flag("unseen")) flags.push_back("\\Seen");
  if (input.flag("flagged")) flags.push_back("\\Flagged");
  if (input.flag("draft")) flags.push_back("\\Draft");
  mail::Mail& mail = ctx.services.mail;
  const int64_t user_id = place.user.id;
  const std::string path = place.mailbox.path;
  const uint64_t size = raw.size();
  Result<store::Appended> appended =
      co_await ctx.services.executor.run([&mail, user_id, &path, &raw, &flags, date] {
        return mail.append(user_id, path, raw, flags, date);
      });
  if (!appended) {
    if (appended.status().code() == Code::over_quota) {
      co_return fail(403, "OverQuotaError", "User is over quota");
    }
    co_return from_status(appended.status());
  }
  json::object message;
  message["id"] = appended->uid;
  message["mailbox"] = mailbox_id(place.mailbox);
  message["size"] = size;
  json::object fields;
  fields["message"] = std::move(message);
  co_return ok(std::move(fields));
}

// --- Search ----------------------------------------------------------------

bool contains_folded(std::string_view text, std::string_view needle_lower) {
  if (needle_lower.empty()) return true;
  return core::ascii_lowercase(text).find(needle_lower) != std::string::npos;
}

std::string addresses_text(const std::vector<mime::DisplayAddress>& list) {
  std::string out;
  for (const mime::DisplayAddress& a : list) out += a.name + " <" + a.address + "> ";
  return out;
}

// GET /users/:user/search: every mailbox's messages (Junk and Trash left
// out with `searchable`), matched on their header fields, size, dates and
// flags; newest first; paged by an offset cursor.
asio::awaitable<Reply> search_messages(Context& ctx) {
  static const Schema schema{
      Field::id("user").required(),
      Field::id("mailbox"),
      Field::string("query").empty_as_absent().length(0, 255),
      Field::string("q").empty_as_absent().length(0, 1024),
      Field::string("from").empty_as_absent().length(0, 255),
      Field::string("to").empty_as_absent().length(0, 255),
      Field::string("subject").empty_as_absent().length(0, 255),
      Field::any("datestart"),
      Field::any("dateend"),
      Field::integer("minSize").range(0, 9007199254740991.0),
      Field::integer("maxSize").range(0, 9007199254740991.0),
      Field::boolean("attachments"),
      Field::boolean("flagged"),
      Field::boolean("unseen"),
      Field::boolean("searchable").fallback(false),
      Field::boolean("threadCounters").fallback(false),
      Field::string("includeHeaders").empty_as_absent().length(0, 1024),
      Field::integer("limit").fallback(20).range(1, 250),
      Field::string("order").one_of({"asc", "desc"}).fallback("desc"),
      Field::string("next").empty_as_absent().pattern("s[0-9]+", "cursor"),
      Field::string("previous").empty_as_absent().pattern("s[0-9]+", "cursor"),
      Field::integer("page").fallback(1).range(1, 1e9),
  };
  Validated input = schema.validate(ctx.input);
  if (!input) co_return input.reply();
  if (input.has("q")) {
    json::object details;
    details["q"] = "\"q\" (the query language) is not supported; use the separate fields";
    co_return validation_failed("\"q\" is not supported", std::move(details));
  }
  std::optional<int64_t> since, before;
  for (auto [name, out] : {std::pair{"datestart", &since}, std::pair{"dateend", &before}}) {
    if (!input.has(name)) continue;
    *out = parse_iso_time(input.value(name));
    if (!*out) {
      json::object details;
      details[name] = std::string("\"") + name + "\" must be a valid date";
      co_return validation_failed(std::string("\"") + name + "\" must be a valid date",
                                  std::move(details));
    }
  }
  auto user = co_await find_user(ctx, input.text("user"));
  if (auto* reply = std::get_if<Reply>(&user)) co_return std::move(*reply);
  const store::User owner = std::move(std::get<store::User>(user));
  const int64_t user_id = owner.id;
  std::optional<int64_t> only;
  if (input.has("mailbox")) {
    auto found = co_await find_mailbox(ctx, user_id, input.text("mailbox"));
    if (auto* reply = std::get_if<Reply>(&found)) co_return std::move(*reply);
    only = std::get<store::Mailbox>(found).id;
  }
  const std::string query = core::ascii_lowercase(input.text("query"));
  const std::string from = core::ascii_lowercase(input.text("from"));
  const std::string to = core::ascii_lowercase(input.text("to"));
  const std::string subject = core::ascii_lowercase(input.text("subject"));
  const std::optional<int64_t> min_size =
      input.has("minSize") ? std::optional(input.integer("minSize")) : std::nullopt;
  const std::optional<int64_t> max_size =
      input.has("maxSize") ? std::optional(input.integer("maxSize")) : std::nullopt;
  std::optional<bool> attachments, flagged, unseen;
  if (input.has("attachments")) attachments = input.flag("attachments");
  if (input.has("flagged")) flagged = input.flag("flagged");
  if (input.has("unseen")) unseen = input.flag("unseen");
  const bool searchable = input.flag("searchable");

  struct Hit {
    store::Mailbox mailbox;
    store::MessageInfo info;
    mime::MessageView view;
    bool has_attachments = false;
  };
  store::Store& store = ctx.services.store;
  // One store task reads and matches everything: the header of each
  // message (never an attachment), in batches.
  Result<std::vector<Hit>> hits =
      co_await ctx.services.executor.run([&]() -> Result<std::vector<Hit>> {
        Result<std::vector<store::Mailbox>> boxes = store.list_mailboxes(user_id);
        if (!boxes) return boxes.status();
        std::vector<Hit> out;
        for (const store::Mailbox& box : *boxes) {
          if (only && box.id != *only) continue;
          if (searchable && (box.special_use == "\\Junk" || box.special_use == "\\Trash")) continue;
          Result<store::FlagListing> listing = store.list_flags(user_id, box.id);
          if (!listing) return listing.status();
          std::vector<uint32_t> uids;
          for (const store::UidFlags& m : listing->messages) {
            const bool seen = has_flag(m.flags, "\\Seen");
            if (unseen && *unseen == seen) continue;
            if (flagged && *flagged != has_flag(m.flags, "\\Flagged")) continue;
            uids.push_back(m.uid);
          }
          constexpr size_t kBatch = 200;
          for (size_t i = 0; i < uids.size(); i += kBatch) {
            std::vector<uint32_t> batch(
                uids.begin() + static_cast<std::ptrdiff_t>(i),
                uids.begin() + static_cast<std::ptrdiff_t>(std::min(uids.size(), i + kBatch)));
            Result<std::vector<store::StoredMessage>> stored =
                store.read_messages(user_id, box.id, batch, true);
            if (!stored) return stored.status();
            for (store::StoredMessage& m : *stored) {
              const int64_t size = static_cast<int64_t>(m.info.size);
              if ((min_size && size < *min_size) || (max_size && size > *max_size)) continue;
              if ((since && m.info.internal_date < *since) ||
                  (before && m.info.internal_date > *before)) {
                continue;
              }
              const bool with_attachments =
                  core::ascii_lowercase(m.bodystructure).find("\"attachment\"") !=
                  std::string::npos;
              if (attachments && *attachments != with_attachments) continue;
              Result<std::string> header = mime::leading_bytes(m.tree);
              mime::MessageView view = mime::view_of_header(header ? *header : std::string());
              const std::string senders = addresses_text(view.from);
              const std::string recipients =
                  addresses_text(view.to) + addresses_text(view.cc) + addresses_text(view.bcc);
              if (!contains_folded(senders, from) || !contains_folded(recipients, to) ||
                  !contains_folded(view.subject, subject)) {
                continue;
              }
              if (!query.empty() && !contains_folded(view.subject, query) &&
                  !contains_folded(senders, query) && !contains_folded(recipients, query)) {
                continue;
              }
              out.push_back(Hit{box, std::move(m.info), std::move(view), with_attachments});
            }
          }
        }
        return out;
      });
  if (!hits) co_return from_status(hits.status());
  const bool descending = input.text("order") == "desc";
  std::stable_sort(hits->begin(), hits->end(), [descending](const Hit& a, const Hit& b) {
    if (a.info.internal_date != b.info.internal_date) {
      return descending ? a.info.internal_date > b.info.internal_date
                        : a.info.internal_date < b.info.internal_date;
    }
    return descending ? a.info.uid > b.info.uid : a.info.uid < b.info.uid;
  });
  const size_t limit = static_cast<size_t>(input.integer("limit"));
  auto offset_of = [](std::string_view cursor) {
    size_t n = 0;
    std::from_chars(cursor.data() + 1, cursor.data() + cursor.size(), n);
    return n;
  };
  size_t begin = static_cast<size_t>(input.integer("page") - 1) * limit;
  if (input.has("next")) begin = offset_of(input.text("next"));
  if (input.has("previous")) {
    const size_t end = offset_of(input.text("previous"));
    begin = end > limit ? end - limit : 0;
  }
  begin = std::min(begin, hits->size());
  const size_t end = std::min(hits->size(), begin + limit);
  json::array results;
  for (size_t i = begin; i < end; ++i) {
    const Hit& hit = (*hits)[i];
    json::object fields;
    fields["id"] = hit.info.uid;
    fields["mailbox"] = mailbox_id(hit.mailbox);
    fields["thread"] = encode_id(0, std::max<int64_t>(hit.info.thread_id, 1));
    put_header_fields(fields, hit.view, hit.info.internal_date);
    fields["intro"] = "";
    fields["attachments"] = hit.has_attachments;
    fields["size"] = hit.info.size;
    put_flags(fields, hit.info.flags);
    results.push_back(std::move(fields));
  }
  json::object reply;
  reply["query"] = input.text("query");
  reply["total"] = hits->size();
  reply["page"] = begin / limit + 1;
  if (begin > 0) {
    reply["previousCursor"] = "s" + std::to_string(begin);
  } else {
    reply["previousCursor"] = false;
  }
  if (end < hits->size()) {
    reply["nextCursor"] = "s" + std::to_string(end);
  } else {
    reply["nextCursor"] = false;
  }
  reply["results"] = std::move(results);
  co_return ok(std::move(reply));
}

}  // namespace

void add_message_routes(Router& router) {
  const RouteOptions user{.access = Access::user};
  const std::string base = "/users/:user/mailboxes/:mailbox/messages";
  router.get(base, user, list_messages);
  router.post(
      base,
      {.access = Access::user, .body_limit = core::Limits{}.max_message_size * 2, .raw_body = true},
      upload_message);
  router.put(base, user, update_messages);
  router.del(base, user, delete_messages);
  router.get(base + "/:message", user, get_message);
  router.put(base + "/:message", user, update_messages);
  router.del(base + "/:message", user, delete_message);
  router.get(base + "/:message/message.eml", user, get_message_source);
  router.get(base + "/:message/attachments/:attachment", user, get_attachment);
  router.get("/users/:user/search", user, search_messages);
}

}  // namespace eider::api
