#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct redisReply;

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

// A reply hiredis' reader decoded, as a plain value (RESP3-only types read as nil).
RedisReply ConvertReply(const redisReply* r);

}  // namespace ivs::adapters::redis
