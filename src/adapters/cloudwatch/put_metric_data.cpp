#include "adapters/cloudwatch/put_metric_data.hpp"

#include <fmt/format.h>

#include "adapters/aws/sigv4.hpp"
#include "core/time_format.hpp"

namespace ivs::cloudwatch {
namespace {

void Add(std::string& out, const std::string& key, std::string_view value) {
    out += '&';
    out += key;
    out += '=';
    out += aws::UriEncode(value);
}

std::string Number(double v) { return fmt::format("{}", v); }

// "&MetricData.member.N...." for one datum.
std::string EncodeDatum(const MetricDatum& d, std::size_t n) {
    std::string out;
    std::string p = "MetricData.member." + std::to_string(n) + ".";
    Add(out, p + "MetricName", d.name);
    Add(out, p + "Unit", d.unit);
    Add(out, p + "Timestamp", FormatIso8601Millis(d.timestamp));
    std::size_t i = 1;
    for (const auto& [name, value] : d.dimensions) {
        std::string dp = p + "Dimensions.member." + std::to_string(i++) + ".";
        Add(out, dp + "Name", name);
        Add(out, dp + "Value", value);
    }
    if (d.statistics) {
        Add(out, p + "StatisticValues.SampleCount", Number(d.statistics->sample_count));
        Add(out, p + "StatisticValues.Sum", Number(d.statistics->sum));
        Add(out, p + "StatisticValues.Minimum", Number(d.statistics->minimum));
        Add(out, p + "StatisticValues.Maximum", Number(d.statistics->maximum));
    } else if (!d.values_with_counts.empty()) {
        std::size_t k = 1;
        for (const auto& [value, count] : d.values_with_counts) {
            if (k > kMaxValuesPerDatum) break;
            Add(out, p + "Values.member." + std::to_string(k), Number(value));
            Add(out, p + "Counts.member." + std::to_string(k), Number(count));
            ++k;
        }
    } else if (d.value) {
        Add(out, p + "Value", Number(*d.value));
    }
    return out;
}

bool HasValue(const MetricDatum& d) {
    return d.value || d.statistics || !d.values_with_counts.empty();
}

}  // namespace

std::vector<std::string> EncodePutMetricData(const std::string& metric_namespace,
                                             const std::vector<MetricDatum>& datums) {
    std::vector<std::string> bodies;
    std::string head = "Action=PutMetricData&Version=2010-08-01";
    Add(head, "Namespace", metric_namespace);
    std::string body;
    std::size_t in_body = 0;
    for (const auto& d : datums) {
        if (!HasValue(d)) continue;
        std::string encoded = EncodeDatum(d, in_body + 1);
        if (in_body > 0 && (in_body == kMaxDatumsPerCall ||
                            head.size() + body.size() + encoded.size() > kMaxBodyBytes)) {
            bodies.push_back(head + body);
            body.clear();
            in_body = 0;
            encoded = EncodeDatum(d, 1);
        }
        body += encoded;
        ++in_body;
    }
    if (in_body > 0) bodies.push_back(head + body);
    return bodies;
}

}  // namespace ivs::cloudwatch
