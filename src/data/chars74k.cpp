#include "data/chars74k.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <regex>
#include <vector>

#include "data/png_file.h"

namespace unas::data {

Split read_chars74k(const std::filesystem::path& root, int height, int width) {
  const std::filesystem::path dir = root / kChars74kImageDir;
  if (!std::filesystem::is_directory(dir))
    throw DataError(fmt::format("{}: no such directory (expected the Chars74K EnglishImg layout "
                                "{}/SampleNNN/imgNNN-XXXXX.png)", dir.string(), kChars74kImageDir));
  static const std::regex kName(R"(img(\d{3})-\d+\.png)");
  std::vector<std::pair<std::filesystem::path, int>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && std::regex_match(name, m, kName)) files.emplace_back(entry.path(), std::stoi(m[1]) - 1);
  }
  if (files.empty()) throw DataError(fmt::format("{}: no imgNNN-XXXXX.png images found", dir.string()));
  std::sort(files.begin(), files.end());  // directory order is not deterministic

  namespace F = torch::nn::functional;
  torch::Tensor images = torch::empty({static_cast<std::int64_t>(files.size()), 3, height, width}, torch::kUInt8);
  std::vector<std::int64_t> labels;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const torch::Tensor rgb = read_png_rgb(files[i].first).permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32);
    const torch::Tensor resized =
        F::interpolate(rgb, F::InterpolateFuncOptions().size(std::vector<std::int64_t>{height, width}).mode(torch::kBilinear).align_corners(false));
    images[static_cast<std::int64_t>(i)].copy_(resized.squeeze(0).round().clamp(0, 255).to(torch::kUInt8));
    if (files[i].second < 0 || files[i].second > 61)
      throw DataError(fmt::format("{}: class {} is outside the 62 Chars74K classes", files[i].first.string(), files[i].second + 1));
    labels.push_back(files[i].second);
  }
  return Split{images, torch::tensor(labels, torch::kInt64)};
}

}  // namespace unas::data
