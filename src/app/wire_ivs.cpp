#include <spdlog/spdlog.h>

#include <stdexcept>

#include "adapters/aws/credentials.hpp"
#include "adapters/aws/http_client.hpp"
#include "adapters/aws/ivs_aws_client.hpp"
#include "adapters/ivs/emulator.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/ivs/emulator_server.hpp"
#include "adapters/tokens/es384_key.hpp"
#include "adapters/tokens/token_signers.hpp"
#include "app/adapter_options.hpp"
#include "app/app_context.hpp"
#include "metrics/instrumented_ivs.hpp"

namespace ivs {
namespace {

constexpr const char* kEmulatorAccountId = "123456789012";

// The embedded emulator's own HTTP front on 127.0.0.1 (a free port): what participants reach
// with their tokens (WHIP at endpoints.whip, the subscribe endpoint) and the AWS wire API for
// the AWS CLI. Bound now, before any stage exists, so every stage's endpoints point here; it
// answers once the server runs. Loopback only: its control routes are unauthenticated.
void StartEmulatorFront(AppContext& ctx, const std::shared_ptr<emulator::Emulator>& emu) {
    emulator::EmulatorServerOptions front;
    front.access_key_id = ctx.config.ivs_emulator_access_key_id;
    front.secret_access_key = ctx.config.ivs_emulator_secret_access_key;
    front.region = ctx.config.aws_region;
    auto server = std::make_shared<emulator::EmulatorServer>(ctx.ioc, emu, front);
    server->Start("127.0.0.1", 0);
    std::string base = "http://127.0.0.1:" + std::to_string(server->Port());
    emu->SetEndpointBase(base);
    ctx.on_start.push_back([base] {
        spdlog::info("IVS emulator: WHIP at {}/whip, subscribe at {}/subscribe, AWS API at {}",
                     base, base, base);
    });
    ctx.on_stop.push_back([server, emu]() -> boost::asio::awaitable<void> {
        server->Stop();
        emu->SetEventSink(nullptr);
        co_return;
    });
}

tokens::Es384Library SigningLibrary(const Config& config) {
    return config.token_signing_library == TokenSigningLibrary::openssl
               ? tokens::Es384Library::openssl
               : tokens::Es384Library::nettle;
}

void WireLocalIvs(AppContext& ctx) {
    const Config& config = ctx.config;
    emulator::EmulatorOptions options;
    options.region = config.aws_region;
    options.account_id = kEmulatorAccountId;
    options.max_stages = config.ivs_emulator_max_stages;
    options.clock = &ctx.clock;
    auto emu = std::make_shared<emulator::Emulator>(options);
    ctx.ivs_emulator = emu;
    StartEmulatorFront(ctx, emu);
    // Every IVS call is counted and timed (Prometheus, CloudWatch StageCreationTime).
    ctx.ivs = metrics::InstrumentIvs(emulator::MakeEmulatorIvsClient(emu));
    ctx.stage_directory = std::make_shared<stages::StageDirectory>(ctx.ivs);

    if (config.token_signing == TokenSigningKind::api) {
        ctx.token_signer = tokens::MakeApiTokenSigner(ctx.ivs);
        return;
    }
    // The embedded emulator forgets its keys at every start, so the key pair kept in DATA_DIR
    // (or the configured file) is imported afresh each time.
    std::string key_file = config.ivs_token_private_key_file.empty()
                               ? config.data_dir + "/ivs-token-key.pem"
                               : config.ivs_token_private_key_file;
    tokens::Es384Key key = tokens::LoadOrCreateKeyFile(key_file);
    auto imported = emu->ImportPublicKey(key.PublicPem(), "ivs-server", {});
    if (!imported) {
        throw std::runtime_error("cannot import the token public key into the IVS emulator: " +
                                 imported.error().message);
    }
    ctx.token_signer = tokens::MakeSelfTokenSigner(stages::EndpointLookup(ctx.stage_directory), key, imported->arn, ctx.clock,
                                                   SigningLibrary(config));
    spdlog::debug("IVS emulator in-process; tokens self-signed with {} (key {})", key_file,
                  imported->arn);
}

void WireAwsIvs(AppContext& ctx) {
    const Config& config = ctx.config;
    auto http = std::make_shared<aws::HttpClient>(ctx.ioc.get_executor());
    aws::CredentialsChainOptions chain;
    chain.env = ReadEnvironment(".env");
    chain.clock = &ctx.clock;
    auto credentials = aws::MakeDefaultCredentialsChain(http, std::move(chain));
    ctx.ivs = metrics::InstrumentIvs(
        aws::MakeAwsIvsClient(std::make_shared<aws::HttpClient>(ctx.ioc.get_executor()),
                              credentials, IvsClientOptionsOf(config)));
    ctx.stage_directory = std::make_shared<stages::StageDirectory>(ctx.ivs);

    if (config.token_signing == TokenSigningKind::api) {
        ctx.token_signer = tokens::MakeApiTokenSigner(ctx.ivs);
        return;
    }
    if (config.ivs_token_private_key_file.empty()) {
        throw std::runtime_error(
            "TOKEN_SIGNING=self with the AWS backend needs IVS_TOKEN_PRIVATE_KEY_FILE");
    }
    if (config.ivs_public_key_arn.empty()) {
        throw std::runtime_error("TOKEN_SIGNING=self with the AWS backend needs IVS_PUBLIC_KEY_ARN");
    }
    tokens::Es384Key key = tokens::LoadKeyFile(config.ivs_token_private_key_file);
    ctx.token_signer =
        tokens::MakeSelfTokenSigner(stages::EndpointLookup(ctx.stage_directory), key, config.ivs_public_key_arn, ctx.clock,
                                    SigningLibrary(config));
}

}  // namespace

void WireIvs(AppContext& ctx) {
    std::string adapter;
    if (ctx.config.ivs_backend == IvsBackendKind::local) {
        WireLocalIvs(ctx);
        adapter = "emulator";
    } else {
        WireAwsIvs(ctx);
        adapter = "aws";
    }
    auto ivs = ctx.ivs;
    ctx.health_checks.push_back(http::DependencyCheck{
        "ivs", adapter, [ivs]() -> boost::asio::awaitable<Status> {
            auto page = co_await ivs->ListStages("", 1);
            if (!page) co_return page.error();
            co_return Ok();
        }});
}

}  // namespace ivs
