#include "api/router.h"

#include <algorithm>
#include <stdexcept>

namespace eider::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_digit(text[i + 1]);
      int lo = hex_digit(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view Context::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

void Router::add(std::string method, std::string pattern, RouteOptions options, Handler handler) {
  Route route;
  route.method = std::move(method);
  for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
  auto shape = [](const std::vector<std::string>& segments) {
    std::vector<std::string> out;
    for (const std::string& s : segments) out.push_back(!s.empty() && s[0] == ':' ? ":" : s);
    return out;
  };
  for (const Route& other : routes_) {
    // Two routes for one method and shape would make one unreachable.
    if (other.method == route.method && shape(other.segments) == shape(route.segments)) {
      throw std::logic_error("api: route added twice: " + route.method + " " + pattern);
    }
  }
  route.pattern = std::move(pattern);
  route.options = options;
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

Router::Match Router::find(std::string_view method, std::string_view path) const {
  Match match;
  std::vector<std::string_view> parts = split_path(path);
  std::vector<std::string> decoded;
  decoded.reserve(parts.size());
  for (std::string_view part : parts) {
    std::optional<std::string> text = percent_decode(part, false);
    if (!text) {
      match.bad_encoding = true;
      return match;
    }
    decoded.push_back(std::move(*text));
  }
  // Per route: which segments are literal, to prefer literals left to right.
  std::vector<bool> best_shape;
  for (const Route& route : routes_) {
    if (route.segments.size() != decoded.size()) continue;
    std::vector<bool> shape(decoded.size());
    bool fits = true;
    for (std::size_t i = 0; i < decoded.size() && fits; ++i) {
      const std::string& segment = route.segments[i];
      if (!segment.empty() && segment.front() == ':') {
        fits = !decoded[i].empty();
      } else {
        fits = segment == decoded[i];
        shape[i] = true;
      }
    }
    if (!fits) continue;
    if (route.method != method) {
      if (std::find(match.allowed.begin(), match.allowed.end(), route.method) ==
          match.allowed.end()) {
        match.allowed.push_back(route.method);
      }
      continue;
    }
    if (match.route == nullptr || shape > best_shape) {
      match.route = &route;
      best_shape = std::move(shape);
    }
  }
  if (match.route != nullptr) {
    match.allowed.clear();
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      const std::string& segment = match.route->segments[i];
      if (!segment.empty() && segment.front() == ':') {
        match.params.emplace_back(segment.substr(1), decoded[i]);
      }
    }
  }
  return match;
}

}  // namespace eider::api
