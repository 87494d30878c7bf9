#include "metrics/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace ivs::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
    std::sort(bounds_.begin(), bounds_.end());
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
    auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    auto index = static_cast<std::size_t>(it - bounds_.begin());
    buckets_[index].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::BucketCounts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = buckets_[i].load(std::memory_order_relaxed);
    }
    return out;
}

const std::vector<double>& LatencyBuckets() {
    static const std::vector<double> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,   0.25,   0.5,   1.0,  2.5,   5.0, 10.0};
    return kBuckets;
}

template <class M>
M& Family<M>::WithLabels(const std::vector<std::string>& values) {
    if (values.size() != label_names_.size()) {
        throw std::invalid_argument("metric " + name_ + ": expected " +
                                    std::to_string(label_names_.size()) + " label values");
    }
    std::lock_guard lock(mu_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
    std::unique_ptr<M> child;
    if constexpr (std::is_same_v<M, Histogram>) {
        child = std::make_unique<Histogram>(bounds_);
    } else {
        child = std::make_unique<M>();
    }
    auto& ref = *child;
    children_.emplace(values, std::move(child));
    return ref;
}

template <class M>
void Family<M>::Clear() {
    std::lock_guard lock(mu_);
    children_.clear();
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

const std::vector<std::string>& Registry::Entry::LabelNames() const {
    switch (type) {
        case MetricType::counter:
            return counters->label_names();
        case MetricType::gauge:
            return gauges->label_names();
        case MetricType::histogram:
            break;
    }
    return histograms->label_names();
}

Registry::Entry& Registry::Find(const std::string& name, MetricType type,
                                const std::vector<std::string>& labels) {
    auto it = families_.find(name);
    if (it == families_.end()) return families_[name];
    if (it->second.type != type || it->second.LabelNames() != labels) {
        throw std::logic_error("metric " + name + " registered twice with different shapes");
    }
    return it->second;
}

template <class M, class... Extra>
Family<M>& Registry::Register(std::unique_ptr<Family<M>> Entry::*slot, MetricType type,
                              const std::string& name, const std::string& help,
                              std::vector<std::string> label_names, Extra&&... extra) {
    std::lock_guard lock(mu_);
    Entry& e = Find(name, type, label_names);
    auto& family = e.*slot;
    if (!family) {
        e.type = type;
        family = std::make_unique<Family<M>>(name, help, std::move(label_names),
                                             std::forward<Extra>(extra)...);
    }
    return *family;
}

CounterFamily& Registry::Counters(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
    return Register(&Entry::counters, MetricType::counter, name, help, std::move(label_names));
}

GaugeFamily& Registry::Gauges(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names) {
    return Register(&Entry::gauges, MetricType::gauge, name, help, std::move(label_names));
}

HistogramFamily& Registry::Histograms(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> bounds) {
    return Register(&Entry::histograms, MetricType::histogram, name, help, std::move(label_names),
                    std::move(bounds));
}

namespace {

std::vector<std::pair<std::string, std::string>> Zip(const std::vector<std::string>& names,
                                                     const std::vector<std::string>& values) {
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(names.size() + 1);
    for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], values[i]);
    return out;
}

std::string FormatBound(double b) {
    std::string s = std::to_string(b);
    // to_string gives fixed 6 decimals; trim trailing zeros for readable "le" labels.
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

std::vector<FamilySnapshot> Registry::Snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<FamilySnapshot> out;
    out.reserve(families_.size());
    for (const auto& family : families_) {
        const Entry& e = family.second;  // not a structured binding: the lambdas below capture it
        FamilySnapshot f;
        f.name = family.first;
        f.type = e.type;
        switch (e.type) {
            case MetricType::counter:
                f.help = e.counters->help();
                e.counters->ForEach([&](const auto& values, const Counter& c) {
                    f.samples.push_back({"", Zip(e.counters->label_names(), values), c.Value()});
                });
                break;
            case MetricType::gauge:
                f.help = e.gauges->help();
                e.gauges->ForEach([&](const auto& values, const Gauge& g) {
                    f.samples.push_back({"", Zip(e.gauges->label_names(), values), g.Value()});
                });
                break;
            case MetricType::histogram:
                f.help = e.histograms->help();
                e.histograms->ForEach([&](const auto& values, const Histogram& h) {
                    auto base = Zip(e.histograms->label_names(), values);
                    auto counts = h.BucketCounts();
                    std::uint64_t cumulative = 0;
                    for (std::size_t i = 0; i < counts.size(); ++i) {
                        cumulative += counts[i];
                        auto labels = base;
                        labels.emplace_back("le", i < h.Bounds().size()
                                                      ? FormatBound(h.Bounds()[i])
                                                      : std::string("+Inf"));
                        f.samples.push_back(
                            {"_bucket", std::move(labels), static_cast<double>(cumulative)});
                    }
                    f.samples.push_back({"_sum", base, h.Sum()});
                    f.samples.push_back({"_count", base, static_cast<double>(cumulative)});
                });
                break;
        }
        out.push_back(std::move(f));
    }
    return out;
}

Registry& DefaultRegistry() {
    static Registry registry;
    return registry;
}

}  // namespace ivs::metrics
