// The IvsClient contract for the in-process emulator adapter, and for the AWS client talking to
// the emulator's wire server (which checks the server side of the protocol end to end).

#include "adapters/aws/credentials.hpp"
#include "adapters/aws/http_client.hpp"
#include "adapters/aws/ivs_aws_client.hpp"
#include "adapters/ivs/emulator_ivs_client.hpp"
#include "adapters/ivs/emulator_server.hpp"
#include "ivs_client_contract.hpp"

namespace ivs::test {
namespace {

IvsContractTarget MakeInProcessTarget(boost::asio::io_context&) {
    auto emu = std::make_shared<emulator::Emulator>(ContractEmulatorOptions());
    return {emu, emulator::MakeEmulatorIvsClient(emu), nullptr};
}

struct WireParts {
    std::unique_ptr<emulator::BackgroundEmulatorServer> server;
    std::shared_ptr<aws::HttpClient> http;
};

IvsContractTarget MakeWireTarget(boost::asio::io_context& ioc) {
    auto emu = std::make_shared<emulator::Emulator>(ContractEmulatorOptions());
    auto parts = std::make_shared<WireParts>();
    parts->server = std::make_unique<emulator::BackgroundEmulatorServer>(emu);
    parts->http = std::make_shared<aws::HttpClient>(ioc.get_executor());
    aws::AwsIvsClientOptions options;
    options.endpoint = parts->server->Endpoint();
    options.region = "us-east-1";
    options.stage_tps = options.token_tps = options.public_key_tps = options.tag_tps = 10'000;
    options.max_retries = 0;
    auto client = aws::MakeAwsIvsClient(
        parts->http, aws::MakeStaticCredentialsProvider({"test", "test", "", std::nullopt}), options);
    return {emu, client, parts};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Emulator, IvsClientContract,
                         ::testing::Values(IvsContractParam{"inprocess", &MakeInProcessTarget},
                                           IvsContractParam{"aws_client_over_wire", &MakeWireTarget}),
                         IvsContractParamName);

}  // namespace ivs::test
