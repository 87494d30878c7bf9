#include "adapters/ivs/emulator.hpp"

#include <regex>

#include "adapters/aws/ivs_json.hpp"
#include "adapters/ivs/emulator_state.hpp"
#include "adapters/tokens/participant_jwt.hpp"
#include "adapters/tokens/token_signers.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/random.hpp"

namespace ivs::emulator {
using namespace aws::ivs_json;
namespace {

Status CheckName(std::string_view name, std::string_view field) {
    if (name.size() > 128 || !MatchesCharset(name, "-_")) {
        return IvsError(kValidation, std::string(field) +
                                         " must be 0-128 characters of [a-zA-Z0-9-_]");
    }
    return Ok();
}

// The model's ARN patterns, with the resource type widened to [a-z-]+ for tag operations (the
// model's ResourceArn pattern allows a single letter only, which no real ARN matches).
const std::regex& KeyArnPattern() {
    static const std::regex re("^arn:aws:ivs:[a-z0-9-]+:[0-9]+:public-key/[a-zA-Z0-9-]+$");
    return re;
}
const std::regex& ResourceArnPattern() {
    static const std::regex re("^arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]+/[a-zA-Z0-9-]+$");
    return re;
}

Status ArnStatus(std::string_view arn, std::string_view field, bool valid) {
    if (arn.empty()) return IvsError(kValidation, std::string(field) + " is required");
    if (!valid) {
        return IvsError(kValidation, std::string(field) + " is not a valid ARN: " + std::string(arn));
    }
    return Ok();
}

Status CheckArn(std::string_view arn, std::string_view field, const std::regex& re) {
    return ArnStatus(arn, field, arn.size() <= 128 && std::regex_match(arn.begin(), arn.end(), re));
}

ports::Stage ToStage(const StageRec& s) {
    ports::Stage out;
    out.arn = s.arn;
    out.name = s.name;
    if (!s.sessions.empty() && !s.sessions.back().end_time) {
        out.active_session_id = s.sessions.back().id;
    }
    out.tags = s.tags;
    out.endpoints = s.endpoints;
    out.raw = StageToJson(out);
    if (s.recording) out.raw["autoParticipantRecordingConfiguration"] = *s.recording;
    return out;
}

ports::PublicKey ToKey(const KeyRec& k) {
    return ports::PublicKey{k.arn, k.name, k.material, k.fingerprint, k.tags};
}

}  // namespace

Status CheckStageArn(std::string_view arn, std::string_view field) {
    return ArnStatus(arn, field, IsStageArn(arn));
}

// --- lifecycle, faults ---

Emulator::Emulator(EmulatorOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : SystemClock::Instance()),
      state_(std::make_unique<State>()) {
    state_->internal_key = tokens::Es384Key::Generate();
    state_->region = options_.region;
    state_->account_id = options_.account_id;
    state_->internal_key_arn = "arn:aws:ivs:" + options_.region + ":" + options_.account_id +
                               ":public-key/" + RandomAlnum(12);
}

Emulator::~Emulator() = default;

void Emulator::InjectFaults(Fault fault, int count) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < count && state_->faults.size() < 10'000; ++i) {
        state_->faults.push_back(fault);
    }
}

void Emulator::ClearFaults() {
    std::lock_guard lock(mu_);
    state_->faults.clear();
}

std::optional<Fault> Emulator::TakeFault() {
    std::lock_guard lock(mu_);
    if (state_->faults.empty()) return std::nullopt;
    Fault f = std::move(state_->faults.front());
    state_->faults.pop_front();
    return f;
}

std::uint64_t Emulator::ApiCalls() const {
    std::lock_guard lock(mu_);
    return state_->api_calls;
}

void Emulator::CountApiCall() {
    std::lock_guard lock(mu_);
    ++state_->api_calls;
}

std::string Emulator::InternalKeyArn() const {
    std::lock_guard lock(mu_);
    return state_->internal_key_arn;
}

// --- stages ---

Result<ports::Stage> Emulator::CreateStage(const ports::CreateStageRequest& request) {
    if (auto st = CheckName(request.name, "name"); !st) return st.error();
    if (auto st = CheckTags(request.tags); !st) return st.error();
    std::lock_guard lock(mu_);
    if (static_cast<int>(state_->stages.size()) >= options_.max_stages) {
        return IvsError(kQuota, "Stage quota exceeded: at most " +
                                    std::to_string(options_.max_stages) + " stages");
    }
    StageRec s;
    s.id = RandomAlnum(12);
    s.arn = "arn:aws:ivs:" + options_.region + ":" + options_.account_id + ":stage/" + s.id;
    s.name = request.name;
    s.tags = request.tags;
    std::string host = RandomAlnum(12);
    s.endpoints.events = "wss://global.events.live-video.net";
    s.endpoints.whip = state_->endpoint_base.empty()
                           ? "https://" + host + ".global-bm.whip.live-video.net"
                           : state_->endpoint_base + "/whip";
    s.endpoints.rtmp = "rtmp://" + host + ".global-contribute-staging.live-video.net/app/";
    s.endpoints.rtmps = "rtmps://" + host + ".global-contribute-staging.live-video.net:443/app/";
    s.seq = state_->next_seq++;
    state_->stage_order[s.seq] = s.arn;
    auto [it, inserted] = state_->stages.emplace(s.arn, std::move(s));
    return ToStage(it->second);
}

Result<ports::Stage> Emulator::GetStage(std::string_view arn) {
    if (auto st = CheckStageArn(arn, "arn"); !st) return st.error();
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(arn);
    if (it == state_->stages.end()) return StageNotFound(arn);
    return ToStage(it->second);
}

Result<ports::Stage> Emulator::UpdateStage(std::string_view arn, std::string_view name) {
    if (auto st = CheckStageArn(arn, "arn"); !st) return st.error();
    if (auto st = CheckName(name, "name"); !st) return st.error();
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(arn);
    if (it == state_->stages.end()) return StageNotFound(arn);
    it->second.name = std::string(name);
    return ToStage(it->second);
}

Status Emulator::SetRecordingConfiguration(std::string_view arn, boost::json::object config) {
    if (auto st = CheckStageArn(arn, "arn"); !st) return st.error();
    if (auto st = CheckRecordingConfiguration(config); !st) return st.error();
    config.emplace("mediaTypes", boost::json::array{"AUDIO_VIDEO"});
    config.emplace("recordingReconnectWindowSeconds", 0);
    config.emplace("recordParticipantReplicas", false);
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(arn);
    if (it == state_->stages.end()) return StageNotFound(arn);
    it->second.recording = std::move(config);
    return Ok();
}

Result<ports::Page<ports::StageSummary>> Emulator::ListStages(std::string_view next_token,
                                                              int max_results) {
    if (auto st = CheckMaxResults(max_results, 100); !st) return st.error();
    std::lock_guard lock(mu_);
    return PageInOrder<ports::StageSummary>(
        state_->stage_order, next_token, "stages", max_results, [&](const std::string& arn) {
            auto stage = ToStage(state_->stages.at(arn));
            return ports::StageSummary{stage.arn, stage.name, stage.active_session_id, stage.tags};
        });
}

// --- tokens ---

Result<ports::ParticipantToken> Emulator::CreateParticipantToken(
    const ports::CreateTokenRequest& req) {
    if (auto st = CheckStageArn(req.stage_arn, "stageArn"); !st) return st.error();
    if (auto st = CheckTokenRequest(req); !st) return st.error();
    std::lock_guard lock(mu_);
    auto it = state_->stages.find(req.stage_arn);
    if (it == state_->stages.end()) return StageNotFound(req.stage_arn);
    tokens::ParticipantClaims c;
    c.participant_id = RandomAlnum(12);
    c.stage_arn = req.stage_arn;
    c.topic = it->second.id;
    c.events_url = it->second.endpoints.events;
    c.whip_url = it->second.endpoints.whip;
    std::vector<ports::Capability> caps = req.capabilities;
    if (caps.empty()) caps = {ports::Capability::publish, ports::Capability::subscribe};
    for (auto cap : caps) {
        (cap == ports::Capability::publish ? c.allow_publish : c.allow_subscribe) = true;
    }
    c.user_id = req.user_id;
    c.attributes = req.attributes;
    c.issued_at = std::chrono::floor<std::chrono::seconds>(clock_.Now());
    c.expires_at = c.issued_at + std::chrono::minutes(req.duration_minutes);
    auto token =
        tokens::EncodeParticipantToken(*state_->internal_key, state_->internal_key_arn, c);
    if (!token) return IvsError(kInternal, "token signing failed");
    ports::ParticipantToken out;
    out.token = std::move(*token);
    out.participant_id = c.participant_id;
    out.user_id = req.user_id;
    out.attributes = req.attributes;
    out.capabilities = caps;
    out.duration_minutes = req.duration_minutes;
    out.expiration_time = c.expires_at;
    return out;
}

// --- public keys ---

Result<ports::PublicKey> Emulator::ImportPublicKey(std::string_view material,
                                                   std::string_view name,
                                                   const ports::Tags& tags) {
    static const std::regex pem_re(
        "-----BEGIN PUBLIC KEY-----\\r?\\n([a-zA-Z0-9+/=\\r\\n]+)\\r?\\n-----END PUBLIC "
        "KEY-----(\\r?\\n)?");
    if (material.empty()) return IvsError(kValidation, "publicKeyMaterial is required");
    if (material.size() > 8192 || !std::regex_match(material.begin(), material.end(), pem_re)) {
        return IvsError(kValidation, "publicKeyMaterial is not a PEM public key");
    }
    if (auto st = CheckName(name, "name"); !st) return st.error();
    if (auto st = CheckTags(tags); !st) return st.error();
    auto key = tokens::Es384Key::FromPublicPem(material);
    if (!key) {
        return IvsError(kValidation, "publicKeyMaterial must be an ECDSA P-384 public key");
    }
    std::string fingerprint = tokens::PublicKeyFingerprint(*key);
    std::lock_guard lock(mu_);
    for (const auto& [arn, k] : state_->keys) {
        if (k.fingerprint == fingerprint) {
            return IvsError(kConflict, "This public key is already imported as " + arn);
        }
    }
    if (static_cast<int>(state_->keys.size()) >= options_.max_public_keys) {
        return IvsError(kQuota, "Public key quota exceeded: at most " +
                                    std::to_string(options_.max_public_keys) + " public keys");
    }
    KeyRec rec{"arn:aws:ivs:" + options_.region + ":" + options_.account_id + ":public-key/" +
                   RandomAlnum(12),
               std::string(name),
               std::string(material),
               fingerprint,
               tags,
               *key,
               state_->next_seq++};
    state_->key_order[rec.seq] = rec.arn;
    auto [it, inserted] = state_->keys.emplace(rec.arn, std::move(rec));
    return ToKey(it->second);
}

Result<ports::PublicKey> Emulator::GetPublicKey(std::string_view arn) {
    if (auto st = CheckArn(arn, "arn", KeyArnPattern()); !st) return st.error();
    std::lock_guard lock(mu_);
    auto it = state_->keys.find(arn);
    if (it == state_->keys.end()) {
        return IvsError(kNotFound, "Public key not found: " + std::string(arn));
    }
    return ToKey(it->second);
}

Result<ports::Page<ports::PublicKey>> Emulator::ListPublicKeys(std::string_view next_token,
                                                               int max_results) {
    if (auto st = CheckMaxResults(max_results, 100); !st) return st.error();
    std::lock_guard lock(mu_);
    return PageInOrder<ports::PublicKey>(
        state_->key_order, next_token, "keys", max_results,
        [&](const std::string& arn) { return ToKey(state_->keys.at(arn)); });
}

Status Emulator::DeletePublicKey(std::string_view arn) {
    if (auto st = CheckArn(arn, "arn", KeyArnPattern()); !st) return st.error();
    std::lock_guard lock(mu_);
    auto it = state_->keys.find(arn);
    if (it == state_->keys.end()) {
        return IvsError(kNotFound, "Public key not found: " + std::string(arn));
    }
    state_->key_order.erase(it->second.seq);
    state_->keys.erase(it);
    return Ok();
}

// --- tags ---

namespace {
ports::Tags* FindTags(Emulator::State& state, std::string_view arn) {
    if (auto it = state.stages.find(arn); it != state.stages.end()) return &it->second.tags;
    if (auto it = state.keys.find(arn); it != state.keys.end()) return &it->second.tags;
    return nullptr;
}
}  // namespace

Status Emulator::TagResource(std::string_view arn, const ports::Tags& tags) {
    if (auto st = CheckArn(arn, "resourceArn", ResourceArnPattern()); !st) return st.error();
    if (auto st = CheckTags(tags); !st) return st.error();
    std::lock_guard lock(mu_);
    ports::Tags* current = FindTags(*state_, arn);
    if (!current) return IvsError(kNotFound, "Resource not found: " + std::string(arn));
    ports::Tags merged = *current;
    for (const auto& [k, v] : tags) merged[k] = v;
    if (merged.size() > 50) return IvsError(kValidation, "a resource can have at most 50 tags");
    *current = std::move(merged);
    return Ok();
}

Status Emulator::UntagResource(std::string_view arn, const std::vector<std::string>& keys) {
    if (auto st = CheckArn(arn, "resourceArn", ResourceArnPattern()); !st) return st.error();
    if (keys.empty() || keys.size() > 50) {
        return IvsError(kValidation, "tagKeys must hold 1-50 keys");
    }
    for (const auto& k : keys) {
        if (auto st = CheckTagKey(k); !st) return st.error();
    }
    std::lock_guard lock(mu_);
    ports::Tags* current = FindTags(*state_, arn);
    if (!current) return IvsError(kNotFound, "Resource not found: " + std::string(arn));
    for (const auto& k : keys) current->erase(k);
    return Ok();
}

Result<ports::Tags> Emulator::ListTagsForResource(std::string_view arn) {
    if (auto st = CheckArn(arn, "resourceArn", ResourceArnPattern()); !st) return st.error();
    std::lock_guard lock(mu_);
    ports::Tags* current = FindTags(*state_, arn);
    if (!current) return IvsError(kNotFound, "Resource not found: " + std::string(arn));
    return *current;
}

}  // namespace ivs::emulator
