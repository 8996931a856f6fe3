// FETCH attribute tables: macros, sections, partials, modifiers.
#include <gtest/gtest.h>

#include "imap_feed.h"

namespace eider::imap {
namespace {

FetchRequest fetch(std::string_view arguments) {
  Command command = parse_one("a FETCH " + std::string(arguments));
  if (auto* request = std::get_if<FetchRequest>(&command.arguments)) return *request;
  return FetchRequest{};
}

std::vector<FetchItem> items(const FetchRequest& request) {
  std::vector<FetchItem> out;
  for (const FetchAttribute& a : request.attributes) out.push_back(a.item);
  return out;
}

TEST(FetchParser, ExpandsMacros) {
  using I = FetchItem;
  EXPECT_EQ(items(fetch("1 ALL")),
            (std::vector<I>{I::flags, I::internal_date, I::rfc822_size, I::envelope}));
  EXPECT_EQ(items(fetch("1 fast")), (std::vector<I>{I::flags, I::internal_date, I::rfc822_size}));
  EXPECT_EQ(items(fetch("1 FULL")),
            (std::vector<I>{I::flags, I::internal_date, I::rfc822_size, I::envelope, I::body}));
}

TEST(FetchParser, ReadsSimpleAttributes) {
  using I = FetchItem;
  EXPECT_EQ(
      items(fetch("1:* (UID FLAGS envelope InternalDate RFC822 RFC822.HEADER RFC822.SIZE "
                  "RFC822.TEXT BODY BODYSTRUCTURE MODSEQ)")),
      (std::vector<I>{I::uid, I::flags, I::envelope, I::internal_date, I::rfc822, I::rfc822_header,
                      I::rfc822_size, I::rfc822_text, I::body, I::body_structure, I::mod_seq}));
  EXPECT_EQ(items(fetch("5 UID")), std::vector<I>{I::uid});
}

struct SectionCase {
  std::string text;
  FetchItem item;
  bool peek;
  std::vector<uint32_t> part;
  Section::Text section_text;
  std::vector<std::string> fields;
  std::optional<Partial> partial;
};

TEST(FetchParser, ReadsSectionsAndPartials) {
  using T = Section::Text;
  using I = FetchItem;
  const SectionCase cases[] = {
      {"BODY[]", I::body_section, false, {}, T::none, {}, {}},
      {"BODY.PEEK[]<0.100>", I::body_section, true, {}, T::none, {}, Partial{0, 100}},
      {"BODY[HEADER]", I::body_section, false, {}, T::header, {}, {}},
      {"body.peek[text]", I::body_section, true, {}, T::text, {}, {}},
      {"BODY[1.2.3]", I::body_section, false, {1, 2, 3}, T::none, {}, {}},
      {"BODY[1.MIME]", I::body_section, false, {1}, T::mime, {}, {}},
      {"BODY[2.HEADER]", I::body_section, false, {2}, T::header, {}, {}},
      {"BODY[4.2.TEXT]<5.7>", I::body_section, false, {4, 2}, T::text, {}, Partial{5, 7}},
      {"BODY[HEADER.FIELDS (From Subject)]",
       I::body_section,
       false,
       {},
       T::header_fields,
       {"From", "Subject"},
       {}},
      {"BODY.PEEK[1.HEADER.FIELDS.NOT (\"X-Spam\" Received)]",
       I::body_section,
       true,
       {1},
       T::header_fields_not,
       {"X-Spam", "Received"},
       {}},
      {"BINARY[]", I::binary_section, false, {}, T::none, {}, {}},
      {"BINARY.PEEK[1.2]<0.4294967295>",
       I::binary_section,
       true,
       {1, 2},
       T::none,
       {},
       Partial{0, 4294967295u}},
      {"BINARY.SIZE[3]", I::binary_size, false, {3}, T::none, {}, {}},
  };
  for (const SectionCase& c : cases) {
    FetchRequest request = fetch("1 " + c.text);
    ASSERT_EQ(request.attributes.size(), 1u) << c.text;
    const FetchAttribute& a = request.attributes[0];
    EXPECT_EQ(a.item, c.item) << c.text;
    EXPECT_EQ(a.peek, c.peek) << c.text;
    EXPECT_EQ(a.section.part, c.part) << c.text;
    EXPECT_EQ(a.section.text, c.section_text) << c.text;
    EXPECT_EQ(a.section.fields, c.fields) << c.text;
    EXPECT_EQ(a.partial, c.partial) << c.text;
  }
}

TEST(FetchParser, ReadsModifiers) {
  Command command = parse_one("a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)");
  EXPECT_TRUE(command.uid);
  const FetchRequest& request = std::get<FetchRequest>(command.arguments);
  EXPECT_EQ(request.changed_since, 12345u);
  EXPECT_TRUE(request.vanished);
  EXPECT_EQ(fetch("1 FLAGS (changedsince 1)").changed_since, 1u);
}

TEST(FetchParser, RejectsMalformedAttributes) {
  std::string too_deep = "1 BODY[1";
  for (std::size_t i = 1; i <= kMaxPartDepth; ++i) too_deep += ".1";
  too_deep += "]";
  for (std::string_view bad : {"1",
                               "1 ",
                               "1 ()",
                               "1 (UID",
                               "1 UID)",
                               "1 FOO",
                               "1 (UID FOO)",
                               "1 BODY[",
                               "1 BODY[1.]",
                               "1 BODY[0]",
                               "1 BODY[MIME]",
                               "1 BODY[HEADER.FIELDS]",
                               "1 BODY[HEADER.FIELDS ()]",
                               "1 BODY[TEXT.1]",
                               "1 BODY[]<1>",
                               "1 BODY[]<1.0>",
                               "1 BODY[]<.1>",
                               "1 BINARY[TEXT]",
                               "1 BINARY.SIZE[]<0.1>",
                               "1 BODY.PEEK",
                               "1 ALL FAST",
                               "1 (ALL)",
                               "0 UID",
                               "1:x UID",
                               "1 UID (VANISHED)",
                               "1 UID (CHANGEDSINCE)",
                               "1 UID (CHANGEDSINCE 1 CHANGEDSINCE 2)",
                               "1 UID (FOO 1)",
                               "1 UID ()",
                               too_deep.c_str()}) {
    ParseError e = parse_error("a FETCH " + std::string(bad));
    EXPECT_EQ(e.tag, "a") << bad;
    EXPECT_TRUE(e.kind == ErrorKind::syntax || e.kind == ErrorKind::too_complex) << bad;
  }
}

// Every part the MIME parser reads can be fetched: 99 nested embedded
// messages put the leaf at a 100-number section part.
TEST(FetchParser, AcceptsSectionPartsAsDeepAsTheMimeParserGoes) {
  std::string deep = "1";
  for (int i = 1; i < 100; ++i) deep += ".1";
  EXPECT_EQ(fetch("1 BODY[" + deep + ".MIME]").attributes.at(0).section.part.size(), 100u);
}

}  // namespace
}  // namespace eider::imap
