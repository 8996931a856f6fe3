#include "api/mail_lookup.h"

#include "api/accounts.h"
#include "api/ids.h"
#include "api/reply.h"
#include "store/executor.h"

namespace eider::api {

namespace asio = boost::asio;

std::string mailbox_id(const store::Mailbox& mailbox) {
  return encode_id(mailbox.created, mailbox.id);
}

Reply no_such_mailbox() {
  return fail(404, "NoSuchMailbox", "This mailbox does not exist");
}

boost::json::value special_use_value(const store::Mailbox& mailbox) {
  if (mailbox.special_use.empty()) return nullptr;
  return boost::json::value(mailbox.special_use);
}

asio::awaitable<std::variant<store::User, Reply>> find_user(Context& ctx, std::string_view text) {
  LoadedUser loaded = co_await load_user(ctx, text);
  if (loaded.refusal) co_return std::move(*loaded.refusal);
  co_return std::move(*loaded.user);
}

asio::awaitable<std::variant<store::Mailbox, Reply>> find_mailbox(Context& ctx, int64_t user_id,
                                                                  std::string_view text,
                                                                  std::string_view code) {
  auto missing = [code] {
    return code == "NoSuchMailbox"
               ? no_such_mailbox()
               : fail(404, code, "Mailbox update failed with code NoSuchMailbox");
  };
  std::optional<DecodedId> id = decode_id(text);
  if (!id) co_return missing();
  store::Store& store = ctx.services.store;
  // A user has few mailboxes; the listing is the one read that finds one
  // by id on every backend.
  Result<std::vector<store::Mailbox>> mailboxes = co_await ctx.services.executor.run(
      [&store, user_id] { return store.list_mailboxes(user_id); });
  if (!mailboxes) co_return from_status(mailboxes.status());
  for (store::Mailbox& mailbox : *mailboxes) {
    if (mailbox.id == id->key && id_matches(*id, mailbox.created, mailbox.id)) {
      co_return std::move(mailbox);
    }
  }
  co_return missing();
}

}  // namespace eider::api
