#include "core/percent.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

namespace ivs {

bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space) {
    auto text = boost::urls::make_pct_string_view(in);
    if (!text) return false;
    out = text->decode(boost::urls::encoding_opts(plus_is_space));
    return true;
}

std::string PercentDecodeOrKeep(std::string_view in, bool plus_is_space) {
    std::string out;
    if (!PercentDecode(in, out, plus_is_space)) out.assign(in);
    return out;
}

}  // namespace ivs
