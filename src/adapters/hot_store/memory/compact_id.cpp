#include "adapters/hot_store/memory/compact_id.hpp"

#include <cstring>

namespace ivs::adapters {

namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool IsPackableHex(std::string_view s) {
    if (s.size() != 32) return false;
    for (char c : s) {
        if (HexValue(c) < 0) return false;
    }
    return true;
}

}  // namespace

const std::string* CompactId::HeapPtr() const {
    const std::string* p = nullptr;
    std::memcpy(&p, buf_, sizeof p);
    return p;
}

void CompactId::Clear() {
    if (tag_ == kHeap) delete HeapPtr();
    tag_ = 0;
}

void CompactId::Assign(std::string_view s) {
    Clear();
    if (IsPackableHex(s)) {
        for (std::size_t i = 0; i < 16; ++i) {
            buf_[i] = static_cast<char>((HexValue(s[2 * i]) << 4) | HexValue(s[2 * i + 1]));
        }
        tag_ = kPackedHex;
    } else if (s.size() <= kInline) {
        std::memcpy(buf_, s.data(), s.size());
        tag_ = static_cast<std::uint8_t>(s.size());
    } else {
        auto* p = new std::string(s);
        std::memcpy(buf_, &p, sizeof p);
        tag_ = kHeap;
    }
}

std::string CompactId::Str() const {
    if (tag_ == kPackedHex) {
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string out(32, '0');
        for (std::size_t i = 0; i < 16; ++i) {
            auto b = static_cast<unsigned char>(buf_[i]);
            out[2 * i] = kDigits[b >> 4];
            out[2 * i + 1] = kDigits[b & 0xF];
        }
        return out;
    }
    if (tag_ == kHeap) return *HeapPtr();
    return std::string(buf_, tag_);
}

bool CompactId::Equals(std::string_view s) const { return Str() == s; }

}  // namespace ivs::adapters
