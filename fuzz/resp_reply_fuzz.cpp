// RESP replies as a Redis server (or anything answering on its port) might send them: hiredis'
// reader fed in pieces, each decoded reply converted and read the way the adapters read them.

#include <hiredis/hiredis.h>

#include "adapters/redis/redis_reply.hpp"
#include "fuzz_input.hpp"

namespace {

void Walk(const ivs::adapters::redis::RedisReply& r, int depth) {
    (void)r.AsInt();
    (void)r.Text().size();
    if (depth > 64) return;
    for (const auto& e : r.elements) Walk(e, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = ivs::fuzz::AsText(data, size);
    redisReader* reader = ivs::adapters::redis::MakeReplyReader();
    // Fed in uneven pieces, as reads from a socket arrive.
    std::size_t pos = 0, piece = 1;
    bool ok = true;
    while (ok && pos < text.size()) {
        std::size_t n = std::min(piece, text.size() - pos);
        ok = redisReaderFeed(reader, text.data() + pos, n) == REDIS_OK;
        pos += n;
        piece = piece * 3 % 61 + 1;
        void* raw = nullptr;
        while (ok) {
            if (redisReaderGetReply(reader, &raw) != REDIS_OK) {
                ok = false;
                break;
            }
            if (!raw) break;
            Walk(ivs::adapters::redis::ConvertReply(static_cast<redisReply*>(raw)), 0);
            freeReplyObject(raw);
        }
    }
    redisReaderFree(reader);
    return 0;
}
