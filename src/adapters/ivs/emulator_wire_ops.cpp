// The read operations on stage sessions that the server itself does not call: GetParticipant,
// GetStageSession, ListParticipantEvents.

#include <boost/json.hpp>

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
             IVS_TRY(token, Str(b, "nextToken"));
             IVS_TRY(max, IntOr(b, "maxResults", 50));
             return e.ListParticipantEvents(arn, session, pid, token, max);
         }},
    };
    return ops;
}

}  // namespace ivs::emulator
