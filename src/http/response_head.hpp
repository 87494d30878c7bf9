#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/reply.hpp"

namespace ivs::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The "Name: value\r\n" lines of `headers`, in order: a block written once and spliced into
// every response head (the pipeline's shared headers).
std::string FormatFieldLines(const HeaderList& headers);

// Appends the start line and header of the answer to `reply` to `out`, as Beast's serializer
// writes it for a response built the same way: the status line, Server, Content-Type (unless
// empty), the reply's own headers in order, Connection when `keep_alive` differs from the
// version's default, Content-Length (the body's size, also for HEAD), then `shared_lines`
// (the formatted shared headers) or else the reply's shared headers, and the blank line.
// `version` is 10 or 11. Pure; thread-safe.
void AppendResponseHead(std::string& out, const Reply& reply, unsigned version, bool keep_alive,
                        std::string_view shared_lines);

}  // namespace ivs::http
