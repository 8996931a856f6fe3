#include "api/validate.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

#include "api/reply.h"
#include "core/ascii.h"
#include "core/utf8.h"

namespace eider::api {
namespace {

const json::value kNull;

// Code points in `text`, or nullopt when it is not UTF-8.
std::optional<std::size_t> char_count(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count) {
    core::CodePoint cp = core::decode_utf8(text, pos);
    if (cp.length == 0) return std::nullopt;
    pos += cp.length;
  }
  return count;
}

std::optional<bool> as_boolean(const json::value& value) {
  if (value.is_bool()) return value.as_bool();
  if (value.is_int64()) {
    if (value.as_int64() == 1) return true;
    if (value.as_int64() == 0) return false;
  }
  if (value.is_uint64()) {
    if (value.as_uint64() == 1) return true;
    if (value.as_uint64() == 0) return false;
  }
  if (value.is_string()) {
    std::string_view text = value.as_string();
    for (std::string_view truthy : {"true", "yes", "on", "Y", "1"}) {
      if (core::iequals(text, truthy)) return true;
    }
    for (std::string_view falsy : {"false", "no", "off", "N", "0"}) {
      if (core::iequals(text, falsy)) return false;
    }
  }
  return std::nullopt;
}

// A decimal number from a string, as Joi's convert accepts it.
std::optional<json::value> parse_number(std::string_view text) {
  text = core::trim_wsp(text);
  if (text.empty()) return std::nullopt;
  int64_t whole = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), whole);
  if (ec == std::errc() && end == text.data() + text.size()) return json::value(whole);
  double real = 0;
  auto [end2, ec2] = std::from_chars(text.data(), text.data() + text.size(), real);
  if (ec2 == std::errc() && end2 == text.data() + text.size() && std::isfinite(real)) {
    return json::value(real);
  }
  return std::nullopt;
}

std::string format_number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  return json::serialize(json::value(value));
}

}  // namespace

Field Field::id(std::string name) {
  return Field(std::move(name), Type::string)
      .lowercase()
      .pattern("[0-9a-fA-F]{24}", "object id")
      .length(24, 24);
}

Field Field::required() const {
  Field f = *this;
  f.required_ = true;
  return f;
}
Field Field::fallback(json::value value) const {
  Field f = *this;
  f.fallback_ = std::move(value);
  return f;
}
Field Field::empty_as_absent() const {
  Field f = *this;
  f.empty_as_absent_ = true;
  return f;
}
Field Field::length(std::size_t min, std::size_t max) const {
  Field f = *this;
  f.min_length_ = min;
  f.max_length_ = max;
  return f;
}
Field Field::trim() const {
  Field f = *this;
  f.trim_ = true;
  return f;
}
Field Field::lowercase() const {
  Field f = *this;
  f.lowercase_ = true;
  return f;
}
Field Field::pattern(std::string_view regex, std::string name) const {
  Field f = *this;
  f.pattern_ = std::make_shared<const std::regex>(std::string(regex), std::regex::ECMAScript);
  f.pattern_name_ = std::move(name);
  return f;
}
Field Field::one_of(std::vector<std::string> values) const {
  Field f = *this;
  f.one_of_ = std::move(values);
  return f;
}
Field Field::range(double min, double max) const {
  Field f = *this;
  f.min_ = min;
  f.max_ = max;
  return f;
}
Field Field::strings(std::size_t max_length) const {
  Field f = *this;
  f.item_max_length_ = max_length;
  return f;
}
Field Field::check(std::function<std::optional<std::string>(json::value&)> fn) const {
  Field f = *this;
  f.check_ = std::move(fn);
  return f;
}

std::optional<std::string> Field::convert(json::value& value) const {
  switch (type_) {
    case Type::string: {
      if (!value.is_string()) return "must be a string";
      std::string text(value.as_string());
      if (trim_) text = std::string(core::trim_wsp(text));
      if (lowercase_) text = core::ascii_lowercase(text);
      std::optional<std::size_t> count = char_count(text);
      if (!count) return "must be a valid UTF-8 string";
      if (*count < min_length_) {
        return "length must be at least " + std::to_string(min_length_) + " characters long";
      }
      if (*count > max_length_) {
        return "length must be less than or equal to " + std::to_string(max_length_) +
               " characters long";
      }
      if (pattern_ && !std::regex_match(text, *pattern_)) {
        return "with value \"" + text + "\" fails to match the " + pattern_name_ + " pattern";
      }
      if (!one_of_.empty()) {
        bool found = false;
        std::string list;
        for (const std::string& allowed : one_of_) {
          found = found || allowed == text;
          list += (list.empty() ? "" : ", ") + allowed;
        }
        if (!found) return "must be one of [" + list + "]";
      }
      value = json::string(text);
      break;
    }
    case Type::integer:
    case Type::number: {
      if (value.is_string()) {
        std::optional<json::value> parsed = parse_number(value.as_string());
        if (!parsed) return "must be a number";
        value = *parsed;
      }
      if (!value.is_number()) return "must be a number";
      const double number = value.to_number<double>();
      if (type_ == Type::integer) {
        if (value.is_double()) {
          if (number != std::floor(number)) return "must be an integer";
          if (std::fabs(number) > 9007199254740991.0) return "must be a safe number";
          value = static_cast<int64_t>(number);
        } else if (value.is_uint64()) {
          if (value.as_uint64() > uint64_t{INT64_MAX}) return "must be a safe number";
          value = static_cast<int64_t>(value.as_uint64());
        }
      }
      if (min_ && number < *min_) return "must be greater than or equal to " + format_number(*min_);
      if (max_ && number > *max_) return "must be less than or equal to " + format_number(*max_);
      break;
    }
    case Type::boolean: {
      std::optional<bool> flag = as_boolean(value);
      if (!flag) return "must be a boolean";
      value = *flag;
      break;
    }
    case Type::object:
      if (!value.is_object()) return "must be of type object";
      break;
    case Type::array:
      if (!value.is_array()) return "must be an array";
      if (item_max_length_) {
        for (const json::value& item : value.as_array()) {
          if (!item.is_string()) return "must contain only strings";
          std::optional<std::size_t> count = char_count(item.as_string());
          if (!count || *count > *item_max_length_) {
            return "items must be at most " + std::to_string(*item_max_length_) +
                   " characters long";
          }
        }
      }
      break;
    case Type::any:
      break;
  }
  if (check_) return check_(value);
  return std::nullopt;
}

Validated Schema::validate(const json::object& input) const {
  Validated out;
  auto problem = [&out](std::string_view name, const std::string& text) {
    std::string message = "\"" + std::string(name) + "\" " + text;
    if (!out.message_.empty()) out.message_ += ". ";
    out.message_ += message;
    out.details_[name] = message;
    out.failed_ = true;
  };
  for (const auto& [key, value] : input) {
    bool known = key == "sess" || key == "ip";
    for (const Field& field : fields_) known = known || field.name_ == key;
    if (!known) problem(key, "is not allowed");
  }
  for (const Field& field : fields_) {
    const json::value* given = input.if_contains(field.name_);
    bool absent = given == nullptr || given->is_null() ||
                  (field.empty_as_absent_ && given->is_string() && given->as_string().empty());
    if (absent) {
      if (field.required_) {
        problem(field.name_, "is required");
      } else if (field.fallback_) {
        out.values_[field.name_] = *field.fallback_;
      }
      continue;
    }
    json::value value = *given;
    if (std::optional<std::string> error = field.convert(value)) {
      problem(field.name_, *error);
    } else {
      out.values_[field.name_] = std::move(value);
    }
  }
  // WildDuck's log fields, accepted everywhere and otherwise ignored.
  for (std::string_view name : {"sess", "ip"}) {
    const json::value* given = input.if_contains(name);
    if (given == nullptr) continue;
    if (!given->is_string()) {
      problem(name, "must be a string");
    } else if (given->as_string().size() > 255) {
      problem(name, "length must be less than or equal to 255 characters long");
    }
  }
  return out;
}

Reply Validated::reply() const {
  return validation_failed(message_, details_);
}

const json::value& Validated::value(std::string_view name) const {
  const json::value* found = values_.if_contains(name);
  return found != nullptr ? *found : kNull;
}
bool Validated::has(std::string_view name) const {
  return values_.contains(name);
}
std::string_view Validated::text(std::string_view name) const {
  const json::value& v = value(name);
  return v.is_string() ? std::string_view(v.as_string()) : std::string_view();
}
int64_t Validated::integer(std::string_view name) const {
  const json::value& v = value(name);
  if (v.is_int64()) return v.as_int64();
  if (v.is_double()) return static_cast<int64_t>(v.as_double());
  return 0;
}
bool Validated::flag(std::string_view name) const {
  const json::value& v = value(name);
  return v.is_bool() && v.as_bool();
}

}  // namespace eider::api
