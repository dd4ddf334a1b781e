#pragma once
// Small helpers to write architectures by hand in tests.
#include "arch/architecture.h"

namespace unas::testing {

// The value types tests spell out most, so `using namespace unas::testing` brings them along.
using arch::Architecture;
using arch::DenseBlock;
using arch::Pooling;
using arch::PoolType;

inline arch::ConvLayer conv(int kernel, int filters, bool stride2 = false) {
  return arch::ConvLayer{arch::LayerType::kConv2D, kernel, filters, stride2, false, false, true};
}
inline arch::ConvLayer conv1x1(int filters) {
  return arch::ConvLayer{arch::LayerType::kConv1x1, 1, filters, false, false, false, true};
}
inline arch::ConvLayer dwconv(int kernel, bool stride2 = false) {
  return arch::ConvLayer{arch::LayerType::kDepthwiseConv2D, kernel, 0, stride2, false, false, true};
}
inline arch::ConvLayer with_prepool(arch::ConvLayer layer) {
  layer.prepool = true;
  return layer;
}
inline arch::ConvBlock serial(std::vector<arch::ConvLayer> layers) { return arch::ConvBlock{false, std::move(layers)}; }
inline arch::ConvBlock branch(std::vector<arch::ConvLayer> layers) { return arch::ConvBlock{true, std::move(layers)}; }

}  // namespace unas::testing
