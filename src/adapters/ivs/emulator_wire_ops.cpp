// The read operations on stage sessions that the server itself does not call (GetParticipant,
// GetStageSession, ListParticipantEvents) and the public-key operations.

#include <boost/json.hpp>

#include "adapters/aws/ivs_json.hpp"
#include "adapters/ivs/emulator_wire.hpp"

namespace ivs::emulator {

const OpTable& SessionOperations() {
    static const OpTable ops = {
        {"GetParticipant",
         StrMembersOp(&Emulator::GetParticipant, {"stageArn", "sessionId", "participantId"})},
        {"GetStageSession", StrMembersOp(&Emulator::GetStageSession, {"stageArn", "sessionId"})},
        {"ListParticipantEvents",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "stageArn"));
             IVS_TRY(session, Str(b, "sessionId"));
             IVS_TRY(pid, Str(b, "participantId"));
             IVS_TRY(paging, PageRequestOf(b));
             return e.ListParticipantEvents(arn, session, pid, paging.next_token,
                                            paging.max_results);
         }},
    };
    return ops;
}

namespace {

namespace json = boost::json;
using aws::ivs_json::PublicKeySummaryToJson;
using aws::ivs_json::PublicKeyToJson;

OpResult ImportPublicKey(Emulator& e, const Body& b) {
    IVS_TRY(material, Str(b, "publicKeyMaterial"));
    IVS_TRY(name, Str(b, "name"));
    IVS_TRY(tags, Map(b, "tags"));
    IVS_TRY(key, e.ImportPublicKey(material, name, tags));
    return json::object{{"publicKey", PublicKeyToJson(key)}};
}

OpResult GetPublicKey(Emulator& e, const Body& b) {
    IVS_TRY(arn, Str(b, "arn"));
    IVS_TRY(key, e.GetPublicKey(arn));
    return json::object{{"publicKey", PublicKeyToJson(key)}};
}

}  // namespace

const OpTable& PublicKeyOperations() {
    static const OpTable ops = {
        {"ImportPublicKey", ImportPublicKey},
        {"GetPublicKey", GetPublicKey},
        {"ListPublicKeys",
         PagedOp(&Emulator::ListPublicKeys, {}, "publicKeys", PublicKeySummaryToJson)},
        {"DeletePublicKey", StrMembersOp(&Emulator::DeletePublicKey, {"arn"})},
    };
    return ops;
}

}  // namespace ivs::emulator
