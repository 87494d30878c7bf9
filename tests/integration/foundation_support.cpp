#include "foundation_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "app/adapter_options.hpp"
#include "core/clock.hpp"

namespace ivs::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

BareHttpServer::BareHttpServer(Config config)
    : config_(std::move(config)),
      auth_(AuthOptionsOf(config_)),
      limiter_(http::MakeMemoryRateLimiter(SystemClock::Instance())) {}

void BareHttpServer::Start() {
    pipeline_ = std::make_unique<http::Pipeline>(PipelineOptionsOf(config_), router_, auth_,
                                                 *limiter_);
    server_ = std::make_unique<http::Server>(ioc_, ServerOptionsOf(config_), *pipeline_);
    server_->Start("127.0.0.1", 0);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

BareHttpServer::~BareHttpServer() {
    if (server_) {
        server_->BeginShutdown();
        WaitUntil([this] { return server_->ActiveConnections() == 0; });
    }
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
}

RawConnection::RawConnection(unsigned short port) : stream_(ioc_) {
    stream_.expires_after(std::chrono::seconds(10));
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

void RawConnection::Send(const std::string& bytes) {
    stream_.expires_after(std::chrono::seconds(10));
    asio::write(stream_, asio::buffer(bytes));
}

HttpResponse RawConnection::Read() {
    stream_.expires_after(std::chrono::seconds(10));
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    beast::error_code ec;
    bhttp::read(stream_, buffer_, parser, ec);
    HttpResponse out;
    if (ec) return out;
    auto& res = parser.get();
    out.status = res.result_int();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    return out;
}

bool RawConnection::ClosedByServer() {
    stream_.expires_after(std::chrono::seconds(10));
    char byte;
    beast::error_code ec;
    stream_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

unsigned short RawConnection::LocalPort() const {
    return stream_.socket().local_endpoint().port();
}

long ServerUnreadBytes(unsigned short server_port, unsigned short client_port) {
    std::ifstream f("/proc/net/tcp");
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
        std::istringstream in(line);
        std::string slot, local, remote, state, queues;
        in >> slot >> local >> remote >> state >> queues;
        auto port_of = [](const std::string& addr) {
            return static_cast<unsigned short>(std::stoul(addr.substr(addr.find(':') + 1), nullptr, 16));
        };
        if (port_of(local) != server_port || port_of(remote) != client_port) continue;
        return std::stol(queues.substr(queues.find(':') + 1), nullptr, 16);
    }
    return -1;
}

std::string ServerBinary() {
    if (auto b = HarnessEnv("IVS_TEST_BINARY")) return *b;
    // build/tests/<this executable> -> build/ivs-server
    auto self = std::filesystem::read_symlink("/proc/self/exe");
    return (self.parent_path().parent_path() / "ivs-server").string();
}

ChildServer::ChildServer(const std::vector<std::string>& args,
                         std::map<std::string, std::string> env, const std::string& dotenv) {
    if (!dotenv.empty()) std::ofstream(dir_.path() + "/.env") << dotenv;
    std::string binary = ServerBinary();
    if (!std::filesystem::exists(binary)) {
        throw std::runtime_error("ivs-server binary not found at " + binary);
    }
    if (!env.count("PATH")) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    if (!env.count("DATA_DIR")) env["DATA_DIR"] = dir_.path() + "/data";
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<std::string> argv_strings{binary};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());

    std::string out_path = dir_.path() + "/stdout.log";
    std::string err_path = dir_.path() + "/stderr.log";
    // Everything the child needs is prepared before fork: other threads may hold locks.
    std::vector<char*> argv, envp;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    const char* work_dir = dir_.path().c_str();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
        if (chdir(work_dir) != 0) _exit(126);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
}

ChildServer::~ChildServer() {
    if (pid_ > 0 && !exited_) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status_, 0);
    }
}

bool ChildServer::Running() {
    if (exited_) return false;
    pid_t r = waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) exited_ = true;
    return !exited_;
}

int ChildServer::Wait(std::chrono::milliseconds timeout) {
    if (!WaitUntil([this] { return !Running(); }, timeout)) return -1;
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return -2;
}

void ChildServer::Signal(int sig) {
    if (!exited_) ::kill(pid_, sig);
}

namespace {
std::string ReadFile(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}
}  // namespace

std::string ChildServer::Stdout() const { return ReadFile(dir_.path() + "/stdout.log"); }
std::string ChildServer::Stderr() const { return ReadFile(dir_.path() + "/stderr.log"); }

unsigned short ChildServer::WaitForPort(std::chrono::milliseconds timeout) {
    static const std::regex kListening(R"(listening on [0-9.:a-fA-F\[\]]+:([0-9]+))");
    unsigned short port = 0;
    WaitUntil(
        [&] {
            std::smatch m;
            std::string log = Stderr();
            if (std::regex_search(log, m, kListening)) {
                port = static_cast<unsigned short>(std::stoi(m[1].str()));
                return true;
            }
            return !Running();
        },
        timeout);
    return port;
}

}  // namespace ivs::test
