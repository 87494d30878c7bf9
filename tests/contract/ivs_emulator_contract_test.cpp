// The IvsClient contract for the in-process emulator adapter.

#include "adapters/ivs/emulator_ivs_client.hpp"
#include "ivs_client_contract.hpp"

namespace ivs::test {
namespace {

IvsContractTarget MakeInProcessTarget(boost::asio::io_context&) {
    auto emu = std::make_shared<emulator::Emulator>(ContractEmulatorOptions());
    return {emu, emulator::MakeEmulatorIvsClient(emu), nullptr};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Emulator, IvsClientContract,
                         ::testing::Values(IvsContractParam{"inprocess", &MakeInProcessTarget}),
                         IvsContractParamName);

}  // namespace ivs::test
