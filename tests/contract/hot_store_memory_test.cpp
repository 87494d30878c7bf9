#include "adapters/hot_store/memory/memory_hot_store.hpp"
#include "hot_store_contract.hpp"

namespace ivs::test {

INSTANTIATE_TEST_SUITE_P(Memory, HotStoreContract,
                         ::testing::Values(HotStoreFactory{
                             "memory", [] { return adapters::MakeMemoryHotStore(); }}),
                         HotStoreFactoryName);

}  // namespace ivs::test
