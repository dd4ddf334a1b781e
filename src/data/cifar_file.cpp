#include "data/cifar_file.h"

#include <fmt/format.h>

#include <fstream>

namespace unas::data {

namespace {
constexpr std::int64_t kPixels = 3 * 32 * 32;
constexpr std::int64_t kRecord = 1 + kPixels;
}  // namespace

Split read_cifar10_batches(const std::vector<std::filesystem::path>& files) {
  std::vector<torch::Tensor> images, labels;
  for (const auto& path : files) {
    std::error_code ec;
    const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(path, ec));
    if (ec) throw DataError(fmt::format("{}: missing CIFAR-10 batch file", path.string()));
    if (bytes == 0 || bytes % kRecord != 0)
      throw DataError(fmt::format("{}: {} bytes is not a whole number of {}-byte CIFAR-10 records", path.string(),
                                  bytes, kRecord));
    torch::Tensor raw = torch::empty({bytes / kRecord, kRecord}, torch::kUInt8);
    std::ifstream in(path, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(raw.data_ptr<std::uint8_t>()), bytes))
      throw DataError(fmt::format("{}: read failed", path.string()));
    labels.push_back(raw.select(1, 0).to(torch::kInt64));
    images.push_back(raw.slice(1, 1).reshape({-1, 3, 32, 32}));
  }
  Split split{torch::cat(images), torch::cat(labels)};
  if (split.labels.max().item<std::int64_t>() > 9)
    throw DataError(fmt::format("{}: a label above 9: not CIFAR-10", files.front().string()));
  return split;
}

}  // namespace unas::data
