#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct redisReply;
struct redisReader;

namespace ivs::adapters::redis {

// One decoded RESP reply (RESP2 types). A plain value: copyable, no ties to the connection.
struct RedisReply {
    enum class Type { nil, status, error, integer, string, array };

    Type type = Type::nil;
    std::string str;  // status, error and bulk string replies
    std::int64_t integer = 0;
    std::vector<RedisReply> elements;

    bool IsNil() const { return type == Type::nil; }
    bool IsError() const { return type == Type::error; }
    bool IsArray() const { return type == Type::array; }
    // Text of a string/status reply (empty for nil).
    const std::string& Text() const { return str; }
    // Integer reply, or a string reply holding an integer; nullopt otherwise.
    std::optional<std::int64_t> AsInt() const;
};

// The most elements one reply array may announce: hiredis allocates an announced array before
// its elements arrive, so a corrupt or hostile length would otherwise allocate gigabytes. A
// longer announcement is a reader error (the connection is dropped and made again).
inline constexpr std::size_t kMaxReplyElements = std::size_t{1} << 24;

// A hiredis reply reader with that cap (free it with redisReaderFree).
redisReader* MakeReplyReader();

// A reply hiredis' reader decoded, as a plain value (RESP3-only types read as nil).
RedisReply ConvertReply(const redisReply* r);

}  // namespace ivs::adapters::redis
