// Declarative input validation, after WildDuck's Joi schemas: each route
// lists its fields once (type, required, default, length, pattern, allowed
// values, numeric range) and validates its whole input, path parameters,
// query and JSON body together, as WildDuck validates req.params.
//
//   static const Schema schema{
//       Field::id("user").required(),
//       Field::integer("limit").fallback(20).range(1, 250),
//       Field::boolean("token").fallback(false),
//   };
//   Validated input = schema.validate(ctx.input());
//   if (!input) co_return input.reply();
//   int64_t limit = input.value("limit").as_int64();
//
// Conversions as Joi's `convert: true`: a number or boolean may come as a
// string (query parameters always do); booleans accept WildDuck's truthy
// ('true', 'yes', 'on', 'Y', '1', 1) and falsy ('false', 'no', 'off', 'N',
// '0', 0) values. A field no schema lists is refused ("is not allowed"),
// except WildDuck's log fields `sess` and `ip`, which every route accepts.
// Every problem is reported, keyed by field, in Joi's words.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"

namespace eider::api {

namespace json = boost::json;

class Field {
 public:
  enum class Type { string, integer, number, boolean, object, array, any };

  static Field string(std::string name) { return Field(std::move(name), Type::string); }
  static Field integer(std::string name) { return Field(std::move(name), Type::integer); }
  static Field number(std::string name) { return Field(std::move(name), Type::number); }
  static Field boolean(std::string name) { return Field(std::move(name), Type::boolean); }
  static Field object(std::string name) { return Field(std::move(name), Type::object); }
  static Field array(std::string name) { return Field(std::move(name), Type::array); }
  static Field any(std::string name) { return Field(std::move(name), Type::any); }
  // An object id (api/ids.h): 24 hex characters, lower-cased.
  static Field id(std::string name);

  Field required() const;
  // The value when the field is absent (an empty string counts as absent
  // for a field with empty_as_absent()).
  Field fallback(json::value value) const;
  // Strings: "" is taken as absent (Joi's .empty('')).
  Field empty_as_absent() const;
  // Strings: lengths in characters (UTF-8 code points), after trim.
  Field length(std::size_t min, std::size_t max) const;
  Field trim() const;
  Field lowercase() const;
  // Strings: the whole value must match; `name` is how errors call it.
  Field pattern(std::string_view regex, std::string name) const;
  // Strings: one of these values.
  Field one_of(std::vector<std::string> values) const;
  // Numbers: inclusive range.
  Field range(double min, double max) const;
  // Arrays: each item must be a string of at most `max_length` characters.
  Field strings(std::size_t max_length) const;
  // A last check on the converted value; returns the error text (the field
  // name is prepended) or nullopt.
  Field check(std::function<std::optional<std::string>(json::value&)> fn) const;

  const std::string& name() const { return name_; }

 private:
  friend class Schema;
  Field(std::string name, Type type) : name_(std::move(name)), type_(type) {}
  // The converted value, or the error text (without the field's name).
  std::optional<std::string> convert(json::value& value) const;

  std::string name_;
  Type type_;
  bool required_ = false;
  bool empty_as_absent_ = false;
  bool trim_ = false;
  bool lowercase_ = false;
  std::optional<json::value> fallback_;
  std::size_t min_length_ = 0;
  std::size_t max_length_ = SIZE_MAX;
  std::shared_ptr<const std::regex> pattern_;
  std::string pattern_name_;
  std::vector<std::string> one_of_;
  std::optional<double> min_;
  std::optional<double> max_;
  std::optional<std::size_t> item_max_length_;
  std::function<std::optional<std::string>(json::value&)> check_;
};

// The outcome of Schema::validate: the converted input, or the 400 reply.
class Validated {
 public:
  explicit operator bool() const { return !failed_; }
  // The 400 InputValidationError reply (when validation failed).
  Reply reply() const;
  // Every field present or defaulted, converted.
  const json::object& values() const { return values_; }
  // The field's value; null when absent without a default.
  const json::value& value(std::string_view name) const;
  bool has(std::string_view name) const;
  // The field's string (""), integer (0) or boolean (false) value.
  std::string_view text(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  bool flag(std::string_view name) const;

 private:
  friend class Schema;
  bool failed_ = false;
  json::object values_;
  json::object details_;
  std::string message_;
};

class Schema {
 public:
  Schema(std::initializer_list<Field> fields) : fields_(fields) {}
  Validated validate(const json::object& input) const;
  const std::vector<Field>& fields() const { return fields_; }

 private:
  std::vector<Field> fields_;
};

}  // namespace eider::api
