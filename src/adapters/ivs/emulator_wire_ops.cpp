// The read operations on stage sessions that the server itself does not call (GetParticipant,
// GetStageSession, ListParticipantEvents) and the public-key operations.

#include <boost/json.hpp>

#include "adapters/aws/ivs_json.hpp"
#include "adapters/ivs/emulator_wire.hpp"

namespace ivs::emulator {

const OpTable& SessionOperations() {
    static const OpTable ops = {
        {"GetParticipant",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "stageArn"));
             IVS_TRY(session, Str(b, "sessionId"));
             IVS_TRY(pid, Str(b, "participantId"));
             return e.GetParticipant(arn, session, pid);
         }},
        {"GetStageSession",
         [](Emulator& e, const Body& b) -> OpResult {
             IVS_TRY(arn, Str(b, "stageArn"));
             IVS_TRY(session, Str(b, "sessionId"));
             return e.GetStageSession(arn, session);
         }},
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

OpResult ListPublicKeys(Emulator& e, const Body& b) {
    IVS_TRY(paging, PageRequestOf(b));
    IVS_TRY(page, e.ListPublicKeys(paging.next_token, paging.max_results));
    return PageJson(page, "publicKeys", PublicKeySummaryToJson);
}

OpResult DeletePublicKey(Emulator& e, const Body& b) {
    IVS_TRY(arn, Str(b, "arn"));
    return EmptyAnswer(e.DeletePublicKey(arn));
}

}  // namespace

const OpTable& PublicKeyOperations() {
    static const OpTable ops = {
        {"ImportPublicKey", ImportPublicKey},
        {"GetPublicKey", GetPublicKey},
        {"ListPublicKeys", ListPublicKeys},
        {"DeletePublicKey", DeletePublicKey},
    };
    return ops;
}

}  // namespace ivs::emulator
