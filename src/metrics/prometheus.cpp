#include "metrics/prometheus.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ivs::metrics {
namespace {

void AppendEscaped(std::string& out, std::string_view s, bool escape_quotes) {
    for (char c : s) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && escape_quotes) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void AppendValue(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
        out += fmt::format("{}", static_cast<long long>(v));
    } else {
        out += fmt::format("{}", v);
    }
}

const char* TypeName(MetricType t) {
    switch (t) {
        case MetricType::counter:
            return "counter";
        case MetricType::gauge:
            return "gauge";
        case MetricType::histogram:
            break;
    }
    return "histogram";
}

}  // namespace

std::string RenderPrometheus(const std::vector<FamilySnapshot>& families) {
    std::string out;
    out.reserve(families.size() * 256);
    for (const auto& f : families) {
        out += "# HELP ";
        out += f.name;
        out += ' ';
        AppendEscaped(out, f.help, false);
        out += "\n# TYPE ";
        out += f.name;
        out += ' ';
        out += TypeName(f.type);
        out += '\n';
        for (const auto& s : f.samples) {
            out += f.name;
            out += s.suffix;
            if (!s.labels.empty()) {
                out += '{';
                bool first = true;
                for (const auto& [k, v] : s.labels) {
                    if (!first) out += ',';
                    first = false;
                    out += k;
                    out += "=\"";
                    AppendEscaped(out, v, true);
                    out += '"';
                }
                out += '}';
            }
            out += ' ';
            AppendValue(out, s.value);
            out += '\n';
        }
    }
    return out;
}

}  // namespace ivs::metrics
