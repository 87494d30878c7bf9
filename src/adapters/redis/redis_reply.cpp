#include "adapters/redis/redis_reply.hpp"

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

}  // namespace ivs::adapters::redis
