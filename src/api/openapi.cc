#include "api/openapi.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <set>

#include "api/router.h"
#include "core/ascii.h"

namespace eider::api {
namespace {

namespace json = boost::json;

// Adds `from`'s members to `into`; a name both have is an error.
Status merge_members(json::object& into, const json::object& from, std::string_view what,
                     std::string_view file) {
  for (const auto& [key, value] : from) {
    if (into.contains(key)) {
      return error(Code::invalid_argument, "openapi/" + std::string(file) + ": " +
                                               std::string(what) + " " + std::string(key) +
                                               " is defined twice");
    }
    into[key] = value;
  }
  return Status::ok();
}

constexpr std::string_view kMethods[] = {"get", "post", "put", "delete", "patch"};

}  // namespace

std::string openapi_path(std::string_view pattern) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == ':' && (i == 0 || pattern[i - 1] == '/')) {
      std::size_t end = pattern.find('/', i);
      if (end == std::string_view::npos) end = pattern.size();
      out += "{" + std::string(pattern.substr(i + 1, end - i - 1)) + "}";
      i = end;
    } else {
      out.push_back(pattern[i++]);
    }
  }
  return out;
}

Result<std::string> build_openapi(const std::vector<OpenApiPart>& parts) {
  json::object document;
  json::object paths;
  json::object schemas;
  for (const OpenApiPart& part : parts) {
    boost::system::error_code ec;
    json::value parsed = json::parse(part.text, ec);
    if (ec || !parsed.is_object()) {
      return error(Code::invalid_argument,
                   "openapi/" + std::string(part.name) + ": not a JSON object");
    }
    json::object& object = parsed.as_object();
    if (part.name == "base.json") {
      for (auto& [key, value] : object) {
        if (key != "paths") document[key] = value;
      }
    }
    if (const json::value* more = object.if_contains("paths"); more && more->is_object()) {
      EIDER_RETURN_IF_ERROR(merge_members(paths, more->as_object(), "path", part.name));
    }
    const json::value* components = object.if_contains("components");
    if (part.name != "base.json" && components && components->is_object()) {
      if (const json::value* more = components->as_object().if_contains("schemas");
          more && more->is_object()) {
        EIDER_RETURN_IF_ERROR(merge_members(schemas, more->as_object(), "schema", part.name));
      }
    }
  }
  if (!document.contains("openapi")) {
    return error(Code::invalid_argument, "openapi/base.json is missing");
  }
  json::value& components = document["components"];
  if (!components.is_object()) components = json::object();
  json::value& all_schemas = components.as_object()["schemas"];
  if (!all_schemas.is_object()) all_schemas = json::object();
  EIDER_RETURN_IF_ERROR(merge_members(all_schemas.as_object(), schemas, "schema", "(groups)"));
  document["paths"] = std::move(paths);
  return json::serialize(document);
}

std::vector<std::string> openapi_mismatches(std::string_view document, const Router& router) {
  std::set<std::string> documented;
  boost::system::error_code ec;
  json::value parsed = json::parse(document, ec);
  if (!ec && parsed.is_object()) {
    if (const json::value* paths = parsed.as_object().if_contains("paths");
        paths && paths->is_object()) {
      for (const auto& [path, item] : paths->as_object()) {
        if (!item.is_object()) continue;
        for (std::string_view method : kMethods) {
          if (item.as_object().contains(method)) {
            documented.insert(core::ascii_uppercase(method) + " " + std::string(path));
          }
        }
      }
    }
  }
  std::set<std::string> served;
  for (const Route& route : router.routes()) {
    served.insert(route.method + " " + openapi_path(route.pattern));
  }
  std::vector<std::string> out;
  for (const std::string& op : served) {
    if (!documented.contains(op)) out.push_back(op + ": served but not documented");
  }
  for (const std::string& op : documented) {
    if (!served.contains(op)) out.push_back(op + ": documented but not served");
  }
  return out;
}

}  // namespace eider::api
