#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace ivs::cloudwatch {

struct StatisticSet {
    double sample_count = 0;
    double sum = 0;
    double minimum = 0;
    double maximum = 0;
};

// One CloudWatch datum: a single value, a statistic set, or values with counts (a histogram).
struct MetricDatum {
    std::string name;
    std::vector<std::pair<std::string, std::string>> dimensions;
    std::string unit = "None";  // "Count", "Milliseconds", ...
    SystemTime timestamp;
    std::optional<double> value;
    std::optional<StatisticSet> statistics;
    std::vector<std::pair<double, double>> values_with_counts;  // (value, count)
};

// Limits of one PutMetricData call.
inline constexpr std::size_t kMaxDatumsPerCall = 1000;
inline constexpr std::size_t kMaxBodyBytes = 1000 * 1000;
inline constexpr std::size_t kMaxValuesPerDatum = 150;

// Query-protocol bodies (Action=PutMetricData&Version=2010-08-01&Namespace=...) for the datums,
// split so that each body holds at most kMaxDatumsPerCall datums and stays under kMaxBodyBytes.
// Datums with no value are skipped. Pure function.
std::vector<std::string> EncodePutMetricData(const std::string& metric_namespace,
                                             const std::vector<MetricDatum>& datums);

}  // namespace ivs::cloudwatch
