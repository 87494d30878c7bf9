#pragma once

// Where AWS credentials come from. The default chain looks, in order, at
//   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. the shared files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and
//      AWS_CONFIG_FILE (default ~/.aws/config), profile AWS_PROFILE (default "default");
//   3. ECS container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (against
//      http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN / AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
//   4. EC2 instance metadata with IMDSv2 (PUT /latest/api/token, then the role's credentials),
//      endpoint AWS_EC2_METADATA_SERVICE_ENDPOINT, off with AWS_EC2_METADATA_DISABLED=true.
// The first source that answers is kept. Temporary credentials are cached and refreshed
// `refresh_before` ahead of their expiration; if a refresh fails while the cached credentials
// are still valid, those are returned.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "adapters/aws/http_client.hpp"
#include "adapters/aws/sigv4.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace ivs::aws {

// Thread-safe: Get may be called concurrently from any coroutine.
class CredentialsProvider {
public:
    virtual ~CredentialsProvider() = default;
    // Errors: Errc::unavailable when no source has credentials or the chosen source fails,
    // Errc::invalid_argument for a broken configuration (half-set variables, missing profile).
    virtual boost::asio::awaitable<Result<Credentials>> Get() = 0;
};

// Always returns the given credentials.
std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials credentials);

struct CredentialsChainOptions {
    std::map<std::string, std::string>
        env;  // the variables above (and HOME); usually ReadEnvironment()
    const Clock* clock = &SystemClock::Instance();
    std::chrono::seconds refresh_before{300};
    std::chrono::milliseconds http_timeout{2000};  // per call to the container/instance endpoint
    std::string container_base_url = "http://169.254.170.2";  // for RELATIVE_URI
    std::string instance_metadata_url = "http://169.254.169.254";  // unless overridden by env
};

// `http` performs the container / instance-metadata calls.
std::shared_ptr<CredentialsProvider> MakeDefaultCredentialsChain(std::shared_ptr<HttpClient> http,
                                                                 CredentialsChainOptions options);

}  // namespace ivs::aws
