#include "app/secrets.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/random.hpp"

namespace ivs {

void EnsureDirectory(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create directory " + dir + ": " + ec.message());
}

std::string LoadOrCreateSecret(const std::string& dir, const std::string& name,
                               std::size_t bytes) {
    EnsureDirectory(dir);
    const std::string path = (std::filesystem::path(dir) / name).string();
    {
        std::ifstream in(path);
        if (in) {
            std::stringstream ss;
            ss << in.rdbuf();
            std::string s = ss.str();
            while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
                s.pop_back();
            }
            if (!s.empty()) return s;
        }
    }
    std::string secret = HexEncode(RandomBytes(bytes));
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + tmp);
        out << secret << "\n";
    }
    ::chmod(tmp.c_str(), 0600);
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw std::runtime_error("cannot create " + path + ": " + ec.message());
    return secret;
}

}  // namespace ivs
