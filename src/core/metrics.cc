#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace eider::core {
namespace {

std::string format_value(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

std::string with_label(std::string_view labels, std::string_view extra) {
  std::string out(labels);
  if (!extra.empty()) {
    if (!out.empty()) out += ",";
    out += extra;
  }
  return out.empty() ? std::string() : "{" + out + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  const auto slot = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[slot].fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    sum_micros_.fetch_add(static_cast<uint64_t>(value * 1e6), std::memory_order_relaxed);
  }
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out;
  uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out.push_back(running);
  }
  return out;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

Metrics::Entry& Metrics::find_or_add(std::string_view name, std::string_view help,
                                     std::string_view labels, Kind kind) {
  for (Entry& entry : entries_) {
    if (entry.name == name && entry.labels == labels) return entry;
  }
  Entry& entry = entries_.emplace_back();
  entry.name = name;
  entry.help = help;
  entry.labels = labels;
  entry.kind = kind;
  return entry;
}

Counter& Metrics::counter(std::string_view name, std::string_view help, std::string_view labels) {
  std::lock_guard lock(mutex_);
  Entry& entry = find_or_add(name, help, labels, Kind::counter);
  if (!entry.counter) entry.counter = std::make_unique<Counter>();
  return *entry.counter;
}

Gauge& Metrics::gauge(std::string_view name, std::string_view help, std::string_view labels) {
  std::lock_guard lock(mutex_);
  Entry& entry = find_or_add(name, help, labels, Kind::gauge);
  if (!entry.gauge) entry.gauge = std::make_unique<Gauge>();
  return *entry.gauge;
}

Histogram& Metrics::histogram(std::string_view name, std::string_view help,
                              std::vector<double> bounds, std::string_view labels) {
  std::lock_guard lock(mutex_);
  Entry& entry = find_or_add(name, help, labels, Kind::histogram);
  if (!entry.histogram) entry.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *entry.histogram;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  // Grouped by name, each group's HELP and TYPE once, as the format asks.
  std::map<std::string, std::vector<const Entry*>> groups;
  for (const Entry& entry : entries_) groups[entry.name].push_back(&entry);
  std::string out;
  for (const auto& [name, group] : groups) {
    const Entry& first = *group.front();
    const char* type = first.kind == Kind::counter ? "counter"
                       : first.kind == Kind::gauge ? "gauge"
                                                   : "histogram";
    out += "# HELP " + name + " " + first.help + "\n";
    out += "# TYPE " + name + " " + type + "\n";
    for (const Entry* entry : group) {
      switch (entry->kind) {
        case Kind::counter:
          out += name + with_label(entry->labels, "") + " " +
                 std::to_string(entry->counter->value()) + "\n";
          break;
        case Kind::gauge:
          out += name + with_label(entry->labels, "") + " " +
                 std::to_string(entry->gauge->value()) + "\n";
          break;
        case Kind::histogram: {
          const Histogram& h = *entry->histogram;
          std::vector<uint64_t> counts = h.cumulative();
          for (std::size_t i = 0; i < h.bounds().size(); ++i) {
            out += name + "_bucket" +
                   with_label(entry->labels, "le=\"" + format_value(h.bounds()[i]) + "\"") + " " +
                   std::to_string(counts[i]) + "\n";
          }
          out += name + "_bucket" + with_label(entry->labels, "le=\"+Inf\"") + " " +
                 std::to_string(counts.back()) + "\n";
          out += name + "_sum" + with_label(entry->labels, "") + " " + format_value(h.sum()) + "\n";
          out += name + "_count" + with_label(entry->labels, "") + " " +
                 std::to_string(counts.back()) + "\n";
          break;
        }
      }
    }
  }
  return out;
}

Metrics& metrics() {
  static Metrics registry;
  return registry;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace eider::core
