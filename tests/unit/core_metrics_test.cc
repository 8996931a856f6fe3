#include <gtest/gtest.h>

#include "core/metrics.h"

namespace eider::core {
namespace {

TEST(CoreMetrics, CountersAndGaugesRenderInPrometheusTextFormat) {
  Metrics registry;
  registry.counter("t_requests_total", "Requests", "protocol=\"imap\"").add(3);
  registry.counter("t_requests_total", "Requests", "protocol=\"pop3\"").add();
  Gauge& open = registry.gauge("t_open", "Open now");
  open.add(5);
  open.sub(2);
  EXPECT_EQ(registry.render(),
            "# HELP t_open Open now\n"
            "# TYPE t_open gauge\n"
            "t_open 3\n"
            "# HELP t_requests_total Requests\n"
            "# TYPE t_requests_total counter\n"
            "t_requests_total{protocol=\"imap\"} 3\n"
            "t_requests_total{protocol=\"pop3\"} 1\n");
}

TEST(CoreMetrics, TheSameNameAndLabelsIsTheSameMetric) {
  Metrics registry;
  Counter& a = registry.counter("t_total", "T", "x=\"1\"");
  Counter& b = registry.counter("t_total", "T", "x=\"1\"");
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &registry.counter("t_total", "T", "x=\"2\""));
}

TEST(CoreMetrics, HistogramsCountCumulativelyWithSumAndCount) {
  Metrics registry;
  Histogram& h = registry.histogram("t_seconds", "Latency", {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(registry.render(),
            "# HELP t_seconds Latency\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{le=\"0.1\"} 1\n"
            "t_seconds_bucket{le=\"1\"} 3\n"
            "t_seconds_bucket{le=\"+Inf\"} 4\n"
            "t_seconds_sum 8.05\n"
            "t_seconds_count 4\n");
}

TEST(CoreMetrics, ABoundaryValueFallsInItsBucket) {
  Histogram h({1, 2});
  h.observe(1);
  h.observe(2);
  EXPECT_EQ(h.cumulative(), (std::vector<uint64_t>{1, 2, 2}));
}

}  // namespace
}  // namespace eider::core
