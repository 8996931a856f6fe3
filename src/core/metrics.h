// Process-wide metrics, rendered at the API's /metrics in Prometheus' text
// format (0.0.4). Updates are single relaxed atomic operations, cheap on
// any hot path; registering takes a lock, so a caller keeps the reference
// it gets (a function-local static), never looks a metric up per event.
//
//   static core::Counter& deliveries =
//       core::metrics().counter("eider_deliveries_total", "Messages delivered");
//   deliveries.add();
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace eider::core {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void add(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void sub(int64_t n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Cumulative counts per bound, then the total count.
  std::vector<uint64_t> cumulative() const;
  double sum() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound, then +Inf
  std::atomic<uint64_t> sum_micros_{0};              // sum in millionths
};

class Metrics {
 public:
  // The metric `name` with `labels` (Prometheus label pairs, as
  // `protocol="imap"`; "" for none), created on first use. The same name
  // must always be the same kind with the same help text.
  Counter& counter(std::string_view name, std::string_view help, std::string_view labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, std::string_view labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                       std::string_view labels = {});

  // Every metric in the text exposition format, grouped by name.
  std::string render() const;

 private:
  enum class Kind { counter, gauge, histogram };
  struct Entry {
    std::string name;
    std::string help;
    std::string labels;
    Kind kind;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Entry& find_or_add(std::string_view name, std::string_view help, std::string_view labels,
                     Kind kind);

  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
};

// The process's registry.
Metrics& metrics();

// Seconds buckets for latencies from 100 µs to 10 s.
std::vector<double> latency_buckets();

}  // namespace eider::core
