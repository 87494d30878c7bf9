#include <gtest/gtest.h>

#include <string>

#include "core/crypto.hpp"

namespace ivs {
namespace {

TEST(ConstantTimeEqualsTest, EqualStrings) {
    EXPECT_TRUE(ConstantTimeEquals("", ""));
    EXPECT_TRUE(ConstantTimeEquals("a", "a"));
    EXPECT_TRUE(ConstantTimeEquals("test-admin-key-0123456789", "test-admin-key-0123456789"));
    std::string binary("a\0b\xff", 4);
    EXPECT_TRUE(ConstantTimeEquals(binary, std::string("a\0b\xff", 4)));
}

TEST(ConstantTimeEqualsTest, DifferentStrings) {
    EXPECT_FALSE(ConstantTimeEquals("a", "b"));
    EXPECT_FALSE(ConstantTimeEquals("", "a"));
    EXPECT_FALSE(ConstantTimeEquals("a", ""));
    // Differences at the first, a middle and the last position.
    EXPECT_FALSE(ConstantTimeEquals("Xbcdefgh", "abcdefgh"));
    EXPECT_FALSE(ConstantTimeEquals("abcdXfgh", "abcdefgh"));
    EXPECT_FALSE(ConstantTimeEquals("abcdefgX", "abcdefgh"));
    // Prefixes and extensions are not equal.
    EXPECT_FALSE(ConstantTimeEquals("abcdefg", "abcdefgh"));
    EXPECT_FALSE(ConstantTimeEquals("abcdefghi", "abcdefgh"));
    // Embedded NUL is compared, not treated as a terminator.
    EXPECT_FALSE(ConstantTimeEquals(std::string("ab\0c", 4), std::string("ab\0d", 4)));
    EXPECT_FALSE(ConstantTimeEquals(std::string("ab\0", 3), "ab"));
}

TEST(ConstantTimeEqualsTest, EveryByteMatters) {
    const std::string key = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (size_t i = 0; i < key.size(); ++i) {
        std::string other = key;
        other[i] = static_cast<char>(other[i] ^ 0x01);
        EXPECT_FALSE(ConstantTimeEquals(key, other)) << "byte " << i;
        EXPECT_FALSE(ConstantTimeEquals(other, key)) << "byte " << i;
    }
}

TEST(CryptoTest, KnownVectors) {
    EXPECT_EQ(HexEncode(Sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test case 2.
    EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
    std::string out;
    ASSERT_TRUE(Base64UrlDecode("-_8", out));
    EXPECT_EQ(out, "\xfb\xff");
    ASSERT_TRUE(Base64Decode("Zm9vYmE=", out));
    EXPECT_EQ(out, "fooba");
    ASSERT_TRUE(Base64Decode("Zm9vYg==", out));
    EXPECT_EQ(out, "foob");
    ASSERT_TRUE(Base64Decode("", out));
    EXPECT_EQ(out, "");
    ASSERT_TRUE(Base64UrlDecode("Zm9vYg", out));
    EXPECT_EQ(out, "foob");
    EXPECT_FALSE(Base64Decode("Zm9vYg=", out));     // length not a multiple of 4
    EXPECT_FALSE(Base64Decode("Zm9v=mFy", out));    // padding in the middle
    EXPECT_FALSE(Base64Decode("Zm9vY===", out));    // too much padding
    EXPECT_FALSE(Base64Decode("Zm9v!mFy", out));    // not in the alphabet
    EXPECT_FALSE(Base64UrlDecode("Zm9v+mFy", out));  // standard alphabet in URL form
}

}  // namespace
}  // namespace ivs
