#include "adapters/aws/ivs_aws_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "adapters/aws/ivs_errors.hpp"
#include "adapters/aws/ivs_json.hpp"
#include "adapters/aws/sigv4.hpp"
#include "adapters/aws/token_bucket.hpp"

namespace ivs::aws {

namespace asio = boost::asio;
namespace json = boost::json;
using ports::Page;
using ports::Tags;

namespace {

constexpr const char* kSigningName = "ivs";

const std::vector<std::string>& StageOperations() {
    static const std::vector<std::string> ops = {
        "CreateStage", "GetStage", "UpdateStage", "DeleteStage", "ListStages",
        "DisconnectParticipant", "ListParticipants", "ListStageSessions",
        "StartParticipantReplication", "StopParticipantReplication", "ListParticipantReplicas"};
    return ops;
}

struct Call {
    std::string operation;
    std::string method = "POST";
    std::string path;   // wire path below the endpoint, e.g. "/CreateStage"
    std::string query;  // already encoded
    std::optional<json::object> body;  // absent: no body and no content type
};

class AwsIvsClient final : public ports::IvsClient {
public:
    AwsIvsClient(std::shared_ptr<HttpClient> http, std::shared_ptr<CredentialsProvider> credentials,
                 AwsIvsClientOptions options, ParsedUrl endpoint)
        : http_(std::move(http)),
          credentials_(std::move(credentials)),
          options_(std::move(options)),
          endpoint_(std::move(endpoint)),
          rng_(std::random_device{}()) {
        std::string base = endpoint_.path;
        while (!base.empty() && base.back() == '/') base.pop_back();
        base_path_ = base;
        base_url_ = std::string(endpoint_.tls ? "https://" : "http://") + endpoint_.host_header;
        auto add = [&](const std::string& op, double tps) {
            buckets_[op] = std::make_unique<TokenBucket>(tps, tps, options_.max_queued_per_operation,
                                                         options_.max_queue_wait);
        };
        for (const auto& op : StageOperations()) add(op, options_.stage_tps);
        add("CreateParticipantToken", options_.token_tps);
        for (const char* op : {"ImportPublicKey", "GetPublicKey", "ListPublicKeys", "DeletePublicKey"}) {
            add(op, options_.public_key_tps);
        }
        for (const char* op : {"TagResource", "UntagResource", "ListTagsForResource"}) {
            add(op, options_.tag_tps);
        }
    }

    Async<ports::Stage> CreateStage(ports::CreateStageRequest request) override {
        return InvokeMember<ports::Stage>(Post("CreateStage", ivs_json::CreateStageBody(request)),
                                          "stage", &ivs_json::ParseStage);
    }

    Async<ports::Stage> GetStage(std::string arn) override {
        return InvokeMember<ports::Stage>(Post("GetStage", json::object{{"arn", arn}}), "stage",
                                          &ivs_json::ParseStage);
    }

    Async<ports::Stage> UpdateStage(std::string arn, std::string name) override {
        return InvokeMember<ports::Stage>(
            Post("UpdateStage", json::object{{"arn", arn}, {"name", name}}), "stage",
            &ivs_json::ParseStage);
    }

    Async<void> DeleteStage(std::string arn) override {
        return InvokeEmpty(Post("DeleteStage", json::object{{"arn", arn}}));
    }

    Async<Page<ports::StageSummary>> ListStages(std::string next_token, int max_results) override {
        json::object body;
        ivs_json::AddPaging(body, next_token, max_results);
        return InvokePage<ports::StageSummary>(Post("ListStages", std::move(body)), "stages",
                                               &ivs_json::ParseStageSummary);
    }

    Async<ports::ParticipantToken> CreateParticipantToken(ports::CreateTokenRequest request) override {
        return InvokeMember<ports::ParticipantToken>(
            Post("CreateParticipantToken", ivs_json::CreateTokenBody(request)), "participantToken",
            &ivs_json::ParseParticipantToken);
    }

    Async<void> DisconnectParticipant(std::string stage_arn, std::string participant_id,
                                      std::string reason) override {
        json::object body{{"stageArn", stage_arn}, {"participantId", participant_id}};
        if (!reason.empty()) body["reason"] = reason;
        return InvokeEmpty(Post("DisconnectParticipant", std::move(body)));
    }

    Async<Page<ports::ParticipantSummary>> ListParticipants(
        ports::ListParticipantsRequest request) override {
        return InvokePage<ports::ParticipantSummary>(
            Post("ListParticipants", ivs_json::ListParticipantsBody(request)), "participants",
            &ivs_json::ParseParticipantSummary);
    }

    Async<Page<ports::StageSession>> ListStageSessions(std::string stage_arn, std::string next_token,
                                                       int max_results) override {
        json::object body{{"stageArn", stage_arn}};
        ivs_json::AddPaging(body, next_token, max_results);
        return InvokePage<ports::StageSession>(Post("ListStageSessions", std::move(body)),
                                               "stageSessions", &ivs_json::ParseStageSession);
    }

    Async<void> StartParticipantReplication(ports::ReplicationRequest request) override {
        return InvokeEmpty(
            Post("StartParticipantReplication", ivs_json::StartReplicationBody(request)));
    }

    Async<void> StopParticipantReplication(std::string source_stage_arn,
                                           std::string destination_stage_arn,
                                           std::string participant_id) override {
        return InvokeEmpty(Post("StopParticipantReplication",
                                json::object{{"sourceStageArn", source_stage_arn},
                                             {"destinationStageArn", destination_stage_arn},
                                             {"participantId", participant_id}}));
    }

    Async<Page<ports::ParticipantReplica>> ListParticipantReplicas(std::string source_stage_arn,
                                                                   std::string participant_id,
                                                                   std::string next_token,
                                                                   int max_results) override {
        json::object body{{"sourceStageArn", source_stage_arn}, {"participantId", participant_id}};
        ivs_json::AddPaging(body, next_token, max_results);
        return InvokePage<ports::ParticipantReplica>(
            Post("ListParticipantReplicas", std::move(body)), "replicas",
            &ivs_json::ParseParticipantReplica);
    }

    Async<ports::PublicKey> ImportPublicKey(std::string public_key_material, std::string name,
                                            Tags tags) override {
        json::object body{{"publicKeyMaterial", public_key_material}};
        if (!name.empty()) body["name"] = name;
        if (!tags.empty()) body["tags"] = ivs_json::TagsToJson(tags);
        return InvokeMember<ports::PublicKey>(Post("ImportPublicKey", std::move(body)), "publicKey",
                                              &ivs_json::ParsePublicKey);
    }

    Async<ports::PublicKey> GetPublicKey(std::string arn) override {
        return InvokeMember<ports::PublicKey>(Post("GetPublicKey", json::object{{"arn", arn}}),
                                              "publicKey", &ivs_json::ParsePublicKey);
    }

    Async<Page<ports::PublicKey>> ListPublicKeys(std::string next_token, int max_results) override {
        json::object body;
        ivs_json::AddPaging(body, next_token, max_results);
        return InvokePage<ports::PublicKey>(Post("ListPublicKeys", std::move(body)), "publicKeys",
                                            &ivs_json::ParsePublicKey);
    }

    Async<void> DeletePublicKey(std::string arn) override {
        return InvokeEmpty(Post("DeletePublicKey", json::object{{"arn", arn}}));
    }

    Async<void> TagResource(std::string arn, Tags tags) override {
        Call call{"TagResource", "POST", TagsPath(arn), "",
                  json::object{{"tags", ivs_json::TagsToJson(tags)}}};
        return InvokeEmpty(std::move(call));
    }

    Async<void> UntagResource(std::string arn, std::vector<std::string> keys) override {
        std::string query;
        for (const auto& k : keys) {
            if (!query.empty()) query += '&';
            query += "tagKeys=" + UriEncode(k);
        }
        Call call{"UntagResource", "DELETE", TagsPath(arn), query, std::nullopt};
        return InvokeEmpty(std::move(call));
    }

    Async<Tags> ListTagsForResource(std::string arn) override {
        Call call{"ListTagsForResource", "GET", TagsPath(arn), "", std::nullopt};
        return InvokeThen<Tags>(std::move(call), [](const json::object& body) {
            return ivs_json::TagsFromJson(body.if_contains("tags"));
        });
    }

private:
    static Call Post(std::string operation, json::object body) {
        std::string path = "/" + operation;
        return Call{std::move(operation), "POST", std::move(path), "", std::move(body)};
    }

    // One call, its answer read by `read(body)`.
    template <class T, class Read>
    Async<T> InvokeThen(Call call, Read read) {
        auto r = co_await Invoke(std::move(call));
        if (!r) co_return r.error();
        co_return read(*r);
    }

    // A call whose answer carries nothing but its success.
    Async<void> InvokeEmpty(Call call) {
        return InvokeThen<void>(std::move(call), [](const json::object&) { return Ok(); });
    }

    // A call whose answer holds the object `key`, read by `parse`.
    template <class T>
    Async<T> InvokeMember(Call call, std::string_view key, Result<T> (*parse)(const json::value&)) {
        return InvokeThen<T>(std::move(call), [key, parse](const json::object& body) {
            return ParseMember<T>(body, key, parse);
        });
    }

    // A List* call: its answer is a page of the list `key`, each item read by `parse`.
    template <class T>
    Async<Page<T>> InvokePage(Call call, std::string_view key,
                              Result<T> (*parse)(const json::value&)) {
        return InvokeThen<Page<T>>(std::move(call), [key, parse](const json::object& body) {
            return ivs_json::ParsePage<T>(body, key, parse);
        });
    }

    static std::string TagsPath(const std::string& arn) { return "/tags/" + UriEncode(arn); }

    template <class T>
    static Result<T> ParseMember(const json::object& body, std::string_view key,
                                 Result<T> (*parse)(const json::value&)) {
        const auto* v = body.if_contains(key);
        if (!v) return Error(Errc::internal, "IVS response lacks '" + std::string(key) + "'");
        return parse(*v);
    }

    std::chrono::milliseconds Backoff(int attempt) {
        double ceiling = std::min<double>(static_cast<double>(options_.backoff_cap.count()),
                                          static_cast<double>(options_.backoff_base.count()) *
                                              std::pow(2.0, attempt));
        std::lock_guard lock(rng_mutex_);
        std::uniform_real_distribution<double> dist(0.0, ceiling);
        return std::chrono::milliseconds(static_cast<std::int64_t>(dist(rng_)));
    }

    asio::awaitable<Result<json::object>> Invoke(Call call) {
        TokenBucket& bucket = *buckets_.at(call.operation);
        std::string body_text = call.body ? json::serialize(*call.body) : std::string();
        Error last(Errc::internal, "no attempt made");
        for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
            if (attempt > 0) {
                asio::steady_timer timer(co_await asio::this_coro::executor, Backoff(attempt - 1));
                co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            }
            auto slot = co_await bucket.Acquire();
            if (!slot) co_return slot.error();
            auto creds = co_await credentials_->Get();
            if (!creds) {
                co_return Error(Errc::unavailable,
                                "no usable AWS credentials for IVS: " + creds.error().message);
            }

            HttpRequestToSign to_sign;
            to_sign.method = call.method;
            to_sign.path = base_path_ + call.path;
            to_sign.query = call.query;
            to_sign.headers.emplace_back("Host", endpoint_.host_header);
            if (call.body) to_sign.headers.emplace_back("Content-Type", "application/json");
            to_sign.body = body_text;
            SignRequest(to_sign, *creds, {options_.region, kSigningName, options_.clock->Now()});

            HttpRequest req;
            req.method = call.method;
            req.url = base_url_ + to_sign.path + (call.query.empty() ? "" : "?" + call.query);
            for (auto& [name, value] : to_sign.headers) {
                if (name != "Host") req.headers.emplace_back(std::move(name), std::move(value));
            }
            req.body = std::move(to_sign.body);
            req.timeout = options_.attempt_timeout;

            auto res = co_await http_->Send(std::move(req));
            if (!res) {
                if (res.error().code == Errc::invalid_argument) co_return res.error();
                last = Error(res.error().code, "IVS " + call.operation + ": " + res.error().message);
                continue;
            }
            if (res->status >= 200 && res->status < 300) {
                if (res->body.empty()) co_return json::object();
                boost::system::error_code ec;
                auto parsed = json::parse(res->body, ec);
                if (ec || !parsed.is_object()) {
                    co_return Error(Errc::internal,
                                    "IVS " + call.operation + " answered with invalid JSON");
                }
                co_return std::move(parsed.as_object());
            }
            auto mapped = MapIvsError(*res);
            if (!mapped.retryable) co_return mapped.error;
            last = std::move(mapped.error);
        }
        co_return last;
    }

    std::shared_ptr<HttpClient> http_;
    std::shared_ptr<CredentialsProvider> credentials_;
    AwsIvsClientOptions options_;
    ParsedUrl endpoint_;
    std::string base_path_;
    std::string base_url_;
    std::map<std::string, std::unique_ptr<TokenBucket>> buckets_;  // fixed after construction
    std::mutex rng_mutex_;
    std::mt19937_64 rng_;
};

}  // namespace

std::shared_ptr<ports::IvsClient> MakeAwsIvsClient(std::shared_ptr<HttpClient> http,
                                                   std::shared_ptr<CredentialsProvider> credentials,
                                                   AwsIvsClientOptions options) {
    std::string endpoint = options.endpoint.empty()
                               ? "https://ivsrealtime." + options.region + ".amazonaws.com"
                               : options.endpoint;
    auto parsed = ParseHttpUrl(endpoint);
    if (!parsed) throw std::invalid_argument("IVS_ENDPOINT: " + parsed.error().message);
    return std::make_shared<AwsIvsClient>(std::move(http), std::move(credentials),
                                          std::move(options), std::move(*parsed));
}

}  // namespace ivs::aws
