#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ivs::adapters {

// An id string kept in 24 bytes: 32 lowercase hex characters (the audience service's session
// ids) are packed into 16 bytes, other ids up to 23 characters are stored inline, longer ones on
// the heap. Not thread-safe (guarded by its owner).
class CompactId {
public:
    CompactId() = default;
    explicit CompactId(std::string_view s) { Assign(s); }
    CompactId(const CompactId& other) { Assign(other.Str()); }
    CompactId& operator=(const CompactId& other) {
        if (this != &other) Assign(other.Str());
        return *this;
    }
    ~CompactId() { Clear(); }

    void Assign(std::string_view s);
    std::string Str() const;
    bool Equals(std::string_view s) const;
    bool Empty() const { return tag_ == 0; }

private:
    static constexpr std::uint8_t kPackedHex = 0xFE;
    static constexpr std::uint8_t kHeap = 0xFF;
    static constexpr std::size_t kInline = 23;

    void Clear();
    const std::string* HeapPtr() const;

    alignas(8) char buf_[kInline] = {};
    std::uint8_t tag_ = 0;  // inline length, kPackedHex or kHeap
};

static_assert(sizeof(CompactId) == 24);

}  // namespace ivs::adapters
