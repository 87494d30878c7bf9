#pragma once

#include <string_view>

namespace ivs::simulate {

// The SDP offer of a client that sends no media: one audio and one video section, enough for
// an IVS WHIP or subscribe endpoint to answer. Used by `ivs-server simulate` and by the tests'
// broadcaster.
inline constexpr std::string_view kMediaOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:1\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:96 H264/90000\r\n";

}  // namespace ivs::simulate
