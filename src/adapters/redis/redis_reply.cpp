#include "adapters/redis/redis_reply.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

namespace ivs::adapters::redis {

std::optional<std::int64_t> RedisReply::AsInt() const {
    if (type == Type::integer) return integer;
    if (type != Type::string && type != Type::status) return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
    if (ec != std::errc() || p != str.data() + str.size()) return std::nullopt;
    return v;
}

RedisReply ConvertReply(const redisReply* r) {
    RedisReply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
        case REDIS_REPLY_STATUS:
        case REDIS_REPLY_ERROR:
            out.type = r->type == REDIS_REPLY_STRING   ? RedisReply::Type::string
                       : r->type == REDIS_REPLY_STATUS ? RedisReply::Type::status
                                                       : RedisReply::Type::error;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = RedisReply::Type::integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = RedisReply::Type::array;
            out.elements.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i) {
                out.elements.push_back(ConvertReply(r->element[i]));
            }
            break;
        default:
            out.type = RedisReply::Type::nil;
    }
    return out;
}

namespace {

// hiredis' own reply functions, with the array constructor capped.
struct CappedFunctions {
    redisReplyObjectFunctions fns{};
    void* (*create_array)(const redisReadTask*, int) = nullptr;
};

CappedFunctions& Capped() {
    static CappedFunctions capped = [] {
        CappedFunctions c;
        redisReader* probe = redisReaderCreate();
        c.fns = *probe->fn;
        redisReaderFree(probe);
        c.create_array = c.fns.createArray;
        c.fns.createArray = [](const redisReadTask* task, int elements) -> void* {
            if (elements < 0 || static_cast<std::size_t>(elements) > kMaxReplyElements) {
                return nullptr;  // the reader reports it as an error
            }
            return Capped().create_array(task, elements);
        };
        return c;
    }();
    return capped;
}

}  // namespace

redisReader* MakeReplyReader() { return redisReaderCreateWithFunctions(&Capped().fns); }

}  // namespace ivs::adapters::redis
