#include "deploy/calibration.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

namespace unas::deploy {

std::vector<TensorRange> calibrate(train::CandidateModelImpl& model, const data::Dataset& data, const data::Split& split,
                                   std::int64_t count, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  model.eval();
  std::vector<TensorRange> ranges(model.graph().tensors().size());
  const train::TensorObserver observe = [&](int tensor, const torch::Tensor& value) {
    TensorRange& r = ranges[static_cast<std::size_t>(tensor)];
    r.min = std::min(r.min, value.min().item<float>());
    r.max = std::max(r.max, value.max().item<float>());
  };
  const torch::Tensor order = torch::randperm(split.size(), at::detail::createCPUGenerator(seed), torch::kInt64);
  const torch::Tensor rows = order.slice(0, 0, std::min(count, split.size()));
  constexpr std::int64_t kBatch = 64;
  for (std::int64_t start = 0; start < rows.size(0); start += kBatch)
    model.forward(data.inputs(split, rows.slice(0, start, std::min(start + kBatch, rows.size(0)))), nullptr, &observe);
  return ranges;
}

}  // namespace unas::deploy
