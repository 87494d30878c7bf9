#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ivs::metrics {

// The lock-free value a Counter or a Gauge holds; safe from any thread.
class AtomicValue {
public:
    double Value() const { return value_.load(std::memory_order_relaxed); }

protected:
    void Add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
    void Store(double v) { value_.store(v, std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

// A monotonically increasing value. Updates are lock-free; safe from any thread.
class Counter : public AtomicValue {
public:
    void Inc(double amount = 1.0) { Add(amount); }
};

// A value that goes up and down. Updates are lock-free; safe from any thread.
class Gauge : public AtomicValue {
public:
    void Set(double v) { Store(v); }
    void Inc(double amount = 1.0) { Add(amount); }
    void Dec(double amount = 1.0) { Add(-amount); }
};

// Observations counted into fixed buckets (upper bounds, ascending), plus their sum and count.
// Observe is lock-free; safe from any thread.
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void Observe(double value);

    const std::vector<double>& Bounds() const { return bounds_; }
    // Per-bucket counts (not cumulative); the last entry is the +Inf bucket.
    std::vector<std::uint64_t> BucketCounts() const;
    double Sum() const { return sum_.load(std::memory_order_relaxed); }
    std::uint64_t Count() const { return count_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
    std::atomic<double> sum_{0.0};
    std::atomic<std::uint64_t> count_{0};
};

// Default latency buckets in seconds (1 ms .. 10 s).
const std::vector<double>& LatencyBuckets();

enum class MetricType { counter, gauge, histogram };

// One exported time series value ("name{labels} value"); `suffix` is "", "_bucket", "_sum" or
// "_count".
struct Sample {
    std::string suffix;
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
};

struct FamilySnapshot {
    std::string name;
    std::string help;
    MetricType type = MetricType::counter;
    std::vector<Sample> samples;
};

// A named metric with a fixed list of label names; one child per distinct label-value list.
// WithLabels creates a child on first use (takes a mutex) and returns a reference that stays
// valid for the life of the family, except after ReplaceAll/Clear on that family. Callers on a
// hot path should look the child up once and keep the reference.
template <class M>
class Family {
public:
    Family(std::string name, std::string help, std::vector<std::string> label_names,
           std::vector<double> bounds = {})
        : name_(std::move(name)),
          help_(std::move(help)),
          label_names_(std::move(label_names)),
          bounds_(std::move(bounds)) {}

    // Throws std::invalid_argument when the number of values differs from the label names.
    M& WithLabels(const std::vector<std::string>& values);
    M& Get() { return WithLabels({}); }

    // Removes every child (for families that mirror a changing set, e.g. per-stage gauges,
    // rebuilt at each scrape). References handed out earlier become invalid.
    void Clear();

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& label_names() const { return label_names_; }

    // Calls f(label_values, child) for every child, under the family lock.
    template <class F>
    void ForEach(F&& f) const {
        std::lock_guard lock(mu_);
        for (const auto& [values, child] : children_) f(values, *child);
    }

private:
    std::string name_;
    std::string help_;
    std::vector<std::string> label_names_;
    std::vector<double> bounds_;
    mutable std::mutex mu_;
    std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Owns metric families by name. Components register their families once (at start) and update
// the children cheaply afterwards; exporters (Prometheus, CloudWatch) read Snapshot().
// Registering an existing name returns the existing family (std::logic_error when the type or
// label names differ). Thread-safe.
class Registry {
public:
    CounterFamily& Counters(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
    GaugeFamily& Gauges(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
    HistogramFamily& Histograms(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names = {},
                                std::vector<double> bounds = LatencyBuckets());

    // Every family with its current values, sorted by name.
    std::vector<FamilySnapshot> Snapshot() const;

private:
    struct Entry {
        MetricType type = MetricType::counter;
        std::unique_ptr<CounterFamily> counters;
        std::unique_ptr<GaugeFamily> gauges;
        std::unique_ptr<HistogramFamily> histograms;
        const std::vector<std::string>& LabelNames() const;
    };
    Entry& Find(const std::string& name, MetricType type, const std::vector<std::string>& labels);
    // The family in `slot` of the entry for `name`, created on first registration.
    template <class M, class... Extra>
    Family<M>& Register(std::unique_ptr<Family<M>> Entry::*slot, MetricType type,
                        const std::string& name, const std::string& help,
                        std::vector<std::string> label_names, Extra&&... extra);

    mutable std::mutex mu_;
    std::map<std::string, Entry> families_;
};

// The process-wide registry that /metrics and CloudWatch read. Any component may register its
// metrics here at any time (typically during wiring).
Registry& DefaultRegistry();

}  // namespace ivs::metrics
