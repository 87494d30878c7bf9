#include "adapters/aws/credentials.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "core/time_format.hpp"

namespace ivs::aws {

namespace asio = boost::asio;

namespace {

using MaybeCredentials = Result<std::optional<Credentials>>;

std::string EnvValue(const std::map<std::string, std::string>& env, const std::string& name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
}

std::string Trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

bool ReadWholeFile(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

using IniFile = std::map<std::string, std::map<std::string, std::string>>;

// The AWS shared-file dialect of INI: [section], key = value, '#'/';' comment lines; indented
// lines continue a nested block and are ignored here.
IniFile ParseIni(const std::string& text) {
    IniFile out;
    std::string section;
    bool in_section = false;
    std::istringstream lines(text);
    for (std::string raw; std::getline(lines, raw);) {
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t')) continue;
        std::string line = Trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            section = Trim(std::string_view(line).substr(1, line.size() - 2));
            out[section];
            in_section = true;
            continue;
        }
        if (!in_section) continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        out[section][Trim(std::string_view(line).substr(0, eq))] =
            Trim(std::string_view(line).substr(eq + 1));
    }
    return out;
}

Error ConfigError(std::string message) { return Error(Errc::invalid_argument, std::move(message)); }

MaybeCredentials FromEnvironment(const std::map<std::string, std::string>& env) {
    std::string id = EnvValue(env, "AWS_ACCESS_KEY_ID");
    std::string secret = EnvValue(env, "AWS_SECRET_ACCESS_KEY");
    if (id.empty() && secret.empty()) return std::optional<Credentials>();
    if (id.empty()) return ConfigError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    if (secret.empty()) {
        return ConfigError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
    return std::optional<Credentials>(
        Credentials{id, secret, EnvValue(env, "AWS_SESSION_TOKEN"), std::nullopt});
}

MaybeCredentials FromSharedFiles(const std::map<std::string, std::string>& env) {
    std::string home = EnvValue(env, "HOME");
    std::string creds_path = EnvValue(env, "AWS_SHARED_CREDENTIALS_FILE");
    std::string config_path = EnvValue(env, "AWS_CONFIG_FILE");
    if (creds_path.empty() && !home.empty()) creds_path = home + "/.aws/credentials";
    if (config_path.empty() && !home.empty()) config_path = home + "/.aws/config";
    std::string profile = EnvValue(env, "AWS_PROFILE");
    if (profile.empty()) profile = EnvValue(env, "AWS_DEFAULT_PROFILE");
    bool explicit_profile = !profile.empty();
    if (profile.empty()) profile = "default";

    std::string text;
    std::optional<std::map<std::string, std::string>> section;
    std::string where;
    if (!creds_path.empty() && ReadWholeFile(creds_path, text)) {
        auto ini = ParseIni(text);
        if (auto it = ini.find(profile); it != ini.end()) {
            section = it->second;
            where = creds_path;
        }
    }
    if (!config_path.empty() && ReadWholeFile(config_path, text)) {
        auto ini = ParseIni(text);
        auto it = ini.find("profile " + profile);
        if (it == ini.end() && profile == "default") it = ini.find("default");
        if (it != ini.end()) {
            if (!section) {
                section = it->second;
                where = config_path;
            } else {
                // The credentials file wins; the config file fills what it lacks.
                for (const auto& [k, v] : it->second) section->try_emplace(k, v);
            }
        }
    }
    if (!section) {
        if (explicit_profile) {
            return ConfigError("AWS profile '" + profile + "' is not in " + creds_path + " or " +
                               config_path);
        }
        return std::optional<Credentials>();
    }
    auto value = [&](const char* key) {
        auto it = section->find(key);
        return it == section->end() ? std::string() : it->second;
    };
    std::string id = value("aws_access_key_id");
    std::string secret = value("aws_secret_access_key");
    if (id.empty() || secret.empty()) {
        for (const char* unsupported : {"role_arn", "credential_process", "sso_session",
                                        "sso_start_url", "web_identity_token_file"}) {
            if (!value(unsupported).empty()) {
                return ConfigError("AWS profile '" + profile + "' uses " + unsupported +
                                   ", which this server does not support; give it keys or use "
                                   "environment, container or instance credentials");
            }
        }
        if (id.empty() && secret.empty() && !explicit_profile) return std::optional<Credentials>();
        return ConfigError("AWS profile '" + profile + "' in " + where +
                           " needs both aws_access_key_id and aws_secret_access_key");
    }
    return std::optional<Credentials>(
        Credentials{id, secret, value("aws_session_token"), std::nullopt});
}

// The JSON both the container endpoint and the instance metadata service answer with.
Result<Credentials> ParseCredentialsJson(std::string_view body, std::string_view source) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) {
        return Error(Errc::unavailable, std::string(source) + " answered with invalid JSON");
    }
    const auto& o = value.as_object();
    auto str = [&](std::string_view key) -> std::string {
        auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    if (auto code = str("Code"); !code.empty() && code != "Success") {
        return Error(Errc::unavailable, std::string(source) + " answered Code=" + code);
    }
    Credentials c{str("AccessKeyId"), str("SecretAccessKey"), str("Token"), std::nullopt};
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
        return Error(Errc::unavailable, std::string(source) + " answered without keys");
    }
    if (auto exp = str("Expiration"); !exp.empty()) {
        auto t = ParseIso8601(exp);
        if (!t) return Error(Errc::unavailable, std::string(source) + " sent a bad Expiration");
        c.expiration = *t;
    }
    return c;
}

// A credentials service's answer: HTTP 200 with the JSON above. `request` names what was asked
// in the status error, `source` the service in the others.
MaybeCredentials CredentialsFromAnswer(const HttpResponse& res, std::string_view request,
                                       std::string_view source) {
    if (res.status != 200) {
        return Error(Errc::unavailable,
                     std::string(request) + " answered HTTP " + std::to_string(res.status));
    }
    auto creds = ParseCredentialsJson(res.body, source);
    if (!creds) return creds.error();
    return std::optional<Credentials>(*creds);
}

constexpr const char* kRolePath = "/latest/meta-data/iam/security-credentials/";

bool IsAllowedPlainHost(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" ||
           host.starts_with("127.") || host == "169.254.170.2" || host == "169.254.170.23" ||
           host == "fd00:ec2::23";
}

class ChainProvider final : public CredentialsProvider {
public:
    ChainProvider(std::shared_ptr<HttpClient> http, CredentialsChainOptions options)
        : http_(std::move(http)), options_(std::move(options)) {}

    asio::awaitable<Result<Credentials>> Get() override {
        std::optional<Credentials> cached;
        {
            std::lock_guard lock(mutex_);
            cached = cached_;
        }
        auto now = options_.clock->Now();
        if (cached && (!cached->expiration || now < *cached->expiration - options_.refresh_before)) {
            co_return *cached;
        }
        auto fresh = co_await Resolve();
        if (!fresh) {
            if (cached && cached->expiration && now < *cached->expiration) co_return *cached;
            co_return fresh.error();
        }
        std::lock_guard lock(mutex_);
        cached_ = *fresh;
        co_return *fresh;
    }

private:
    enum class Source { none, environment, shared_files, container, instance };

    asio::awaitable<Result<Credentials>> Resolve() {
        Source source;
        {
            std::lock_guard lock(mutex_);
            source = source_;
        }
        if (source == Source::none) {
            std::vector<std::string> tried;
            for (Source s : {Source::environment, Source::shared_files, Source::container,
                             Source::instance}) {
                auto r = co_await FromSource(s);
                if (!r) co_return r.error();
                if (*r) {
                    std::lock_guard lock(mutex_);
                    source_ = s;
                    co_return **r;
                }
            }
            co_return Error(Errc::unavailable,
                            "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a "
                            "shared credentials profile, or run with a container or instance "
                            "role" + (last_instance_error_.empty()
                                          ? std::string()
                                          : " (instance metadata: " + last_instance_error_ + ")"));
        }
        auto r = co_await FromSource(source);
        if (!r) co_return r.error();
        if (!*r) co_return Error(Errc::unavailable, "AWS credentials are no longer available");
        co_return **r;
    }

    asio::awaitable<MaybeCredentials> FromSource(Source s) {
        switch (s) {
            case Source::environment: co_return FromEnvironment(options_.env);
            case Source::shared_files: co_return FromSharedFiles(options_.env);
            case Source::container: co_return co_await FromContainer();
            case Source::instance: co_return co_await FromInstanceMetadata();
            case Source::none: break;
        }
        co_return std::optional<Credentials>();
    }

    asio::awaitable<MaybeCredentials> FromContainer() {
        const auto& env = options_.env;
        std::string relative = EnvValue(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        std::string full = EnvValue(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
        std::string url;
        if (!relative.empty()) {
            url = options_.container_base_url + (relative.starts_with("/") ? "" : "/") + relative;
        } else if (!full.empty()) {
            auto parsed = ParseHttpUrl(full);
            if (!parsed) co_return ConfigError("AWS_CONTAINER_CREDENTIALS_FULL_URI is invalid");
            if (!parsed->tls && !IsAllowedPlainHost(parsed->host)) {
                co_return ConfigError(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/container "
                    "address, got host " + parsed->host);
            }
            url = full;
        } else {
            co_return std::optional<Credentials>();
        }
        HttpRequest req;
        req.method = "GET";
        req.url = url;
        req.timeout = options_.http_timeout;
        req.headers.emplace_back("Accept", "application/json");
        std::string token = EnvValue(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
        if (std::string file = EnvValue(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
            if (!ReadWholeFile(file, token)) {
                co_return ConfigError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + file);
            }
            token = Trim(token);
        }
        if (!token.empty()) req.headers.emplace_back("Authorization", token);
        auto res = co_await http_->Send(std::move(req));
        if (!res) {
            co_return Error(Errc::unavailable,
                            "container credentials endpoint: " + res.error().message);
        }
        co_return CredentialsFromAnswer(*res, "container credentials endpoint",
                                        "container credentials endpoint");
    }

    asio::awaitable<MaybeCredentials> FromInstanceMetadata() {
        const auto& env = options_.env;
        std::string disabled = EnvValue(env, "AWS_EC2_METADATA_DISABLED");
        for (char& c : disabled) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (disabled == "true") co_return std::optional<Credentials>();
        std::string base = EnvValue(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
        if (base.empty()) base = options_.instance_metadata_url;
        while (!base.empty() && base.back() == '/') base.pop_back();

        // IMDSv2 session token; a service without v2 (403/404/405) is asked without one.
        HeaderList ttl;
        ttl.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
        auto token_res = co_await MetadataCall(base, std::string("PUT"),
                                               std::string("/latest/api/token"), std::move(ttl));
        if (!token_res) {
            last_instance_error_ = token_res.error().message;
            co_return std::optional<Credentials>();  // not on EC2: the chain ends empty
        }
        HeaderList auth;
        if (token_res->status == 200) {
            auth.emplace_back("X-aws-ec2-metadata-token", Trim(token_res->body));
        } else if (token_res->status != 403 && token_res->status != 404 &&
                   token_res->status != 405) {
            co_return Error(Errc::unavailable, "instance metadata token request answered HTTP " +
                                                   std::to_string(token_res->status));
        }
        auto role_res = co_await MetadataCall(base, std::string("GET"), std::string(kRolePath), auth);
        if (!role_res) co_return Error(Errc::unavailable, "instance metadata: " + role_res.error().message);
        if (role_res->status == 404) {
            co_return Error(Errc::unavailable, "this instance has no IAM role attached");
        }
        if (role_res->status != 200) {
            co_return Error(Errc::unavailable, "instance metadata role lookup answered HTTP " +
                                                   std::to_string(role_res->status));
        }
        std::string role = Trim(role_res->body.substr(0, role_res->body.find('\n')));
        if (role.empty()) co_return Error(Errc::unavailable, "instance metadata lists no role");
        auto creds_res = co_await MetadataCall(base, std::string("GET"), std::string(kRolePath) + role, auth);
        if (!creds_res) {
            co_return Error(Errc::unavailable, "instance metadata: " + creds_res.error().message);
        }
        co_return CredentialsFromAnswer(*creds_res, "instance metadata credentials",
                                        "instance metadata");
    }

    asio::awaitable<Result<HttpResponse>> MetadataCall(const std::string& base, std::string method,
                                                       std::string path, HeaderList headers) {
        HttpRequest req;
        req.method = std::move(method);
        req.url = base + path;
        req.headers = std::move(headers);
        req.timeout = options_.http_timeout;
        co_return co_await http_->Send(std::move(req));
    }

    std::shared_ptr<HttpClient> http_;
    CredentialsChainOptions options_;
    std::mutex mutex_;
    std::optional<Credentials> cached_;
    Source source_ = Source::none;
    std::string last_instance_error_;  // only touched during a chain walk
};

class StaticProvider final : public CredentialsProvider {
public:
    explicit StaticProvider(Credentials c) : credentials_(std::move(c)) {}
    asio::awaitable<Result<Credentials>> Get() override { co_return credentials_; }

private:
    Credentials credentials_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials credentials) {
    return std::make_shared<StaticProvider>(std::move(credentials));
}

std::shared_ptr<CredentialsProvider> MakeDefaultCredentialsChain(std::shared_ptr<HttpClient> http,
                                                                 CredentialsChainOptions options) {
    return std::make_shared<ChainProvider>(std::move(http), std::move(options));
}

}  // namespace ivs::aws
