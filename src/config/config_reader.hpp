#pragma once

// The configuration reader and the per-section readers shared by config.cpp and
// config_sections.cpp (not a public API).

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ivs::config_detail {

inline std::string Trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
    return std::string(s.substr(b, e - b));
}

inline std::vector<std::string> SplitList(std::string_view s, char sep = ',') {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        std::string item = Trim(s.substr(start, end - start));
        if (!item.empty()) out.push_back(std::move(item));
        start = end + 1;
    }
    return out;
}

// Reads variables and, at the same time, records their documentation, so `--help` and the parser
// can never disagree.
class Reader {
public:
    explicit Reader(const Environment& env) : env_(env) {}

    std::optional<std::string> Raw(const std::string& name) const {
        auto it = env_.find(name);
        if (it == env_.end()) return std::nullopt;
        return it->second;
    }
    bool Has(const std::string& name) const {
        auto v = Raw(name);
        return v && !Trim(*v).empty();
    }

    std::string String(const std::string& name, const std::string& def, const std::string& help,
                       bool secret = false) {
        Document(name, def.empty() ? "(unset)" : def, help, secret);
        auto v = Raw(name);
        return v ? Trim(*v) : def;
    }

    int Int(const std::string& name, int def, int min, int max, const std::string& help) {
        Document(name, std::to_string(def), help);
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        long long out = 0;
        auto r = std::from_chars(s.data(), s.data() + s.size(), out);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
            errors_.push_back(name + " must be an integer, got \"" + s + "\"");
            return def;
        }
        if (out < min || out > max) {
            errors_.push_back(name + " must be between " + std::to_string(min) + " and " +
                              std::to_string(max) + ", got " + s);
            return def;
        }
        return static_cast<int>(out);
    }

    double Double(const std::string& name, double def, double min, double max,
                  const std::string& help) {
        std::ostringstream d;
        d << def;
        Document(name, d.str(), help);
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        char* end = nullptr;
        double out = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size()) {
            errors_.push_back(name + " must be a number, got \"" + s + "\"");
            return def;
        }
        if (out < min || out > max) {
            std::ostringstream m;
            m << name << " must be between " << min << " and " << max << ", got " << s;
            errors_.push_back(m.str());
            return def;
        }
        return out;
    }

    bool Bool(const std::string& name, bool def, const std::string& help) {
        Document(name, def ? "true" : "false", help);
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "0" || s == "no" || s == "off") return false;
        errors_.push_back(name + " must be true or false, got \"" + Trim(*v) + "\"");
        return def;
    }

    std::string Choice(const std::string& name, const std::string& def,
                       const std::vector<std::string>& choices, const std::string& help) {
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : "|") + c;
        Document(name, def.empty() ? "(auto)" : def, help + " (" + all + ")");
        auto v = Raw(name);
        if (!v || Trim(*v).empty()) return def;
        std::string s = Trim(*v);
        for (const auto& c : choices) {
            if (s == c) return s;
        }
        errors_.push_back(name + " must be one of " + all + ", got \"" + s + "\"");
        return def;
    }

    void Error(std::string message) { errors_.push_back(std::move(message)); }
    void Warn(std::string message) { warnings_.push_back(std::move(message)); }

    std::vector<std::string> TakeErrors() { return std::move(errors_); }
    std::vector<std::string> TakeWarnings() { return std::move(warnings_); }
    std::vector<ConfigVar> TakeVars() { return std::move(vars_); }
    // The --help section of the variables read from now on.
    void Section(std::string name) { section_ = std::move(name); }

private:
    void Document(const std::string& name, const std::string& def, const std::string& help,
                  bool secret = false) {
        if (seen_.insert(name).second) vars_.push_back({name, def, help, secret, section_});
    }

    const Environment& env_;
    std::vector<std::string> errors_;
    std::vector<std::string> warnings_;
    std::vector<ConfigVar> vars_;
    std::set<std::string> seen_;
    std::string section_ = "Server";
};

// Each reads one --help section, in --help order.
void ReadServer(Reader& r, Config& c);
void ReadAuth(Reader& r, Config& c);
void ReadRedis(Reader& r, Config& c);
void ReadPostgres(Reader& r, Config& c);
// Returns the TOKEN_SIGNING selector ("" when unset).
std::string ReadAwsIvs(Reader& r, Config& c);
void ReadAudience(Reader& r, Config& c);
// History, Scale-out, CloudWatch, WebSocket and AWS credentials.
void ReadOperations(Reader& r, Config& c);

}  // namespace ivs::config_detail
