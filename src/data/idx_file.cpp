#include "data/idx_file.h"

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <memory>
#include <vector>

#include "data/dataset.h"

namespace unas::data {

namespace {

constexpr unsigned char kUnsignedByte = 0x08;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

void read_exactly(gzFile file, void* out, std::size_t bytes, const std::filesystem::path& path, const char* what) {
  auto* p = static_cast<unsigned char*>(out);
  while (bytes > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes, 1U << 30));
    const int got = gzread(file, p, chunk);
    if (got <= 0) throw DataError(fmt::format("{}: truncated IDX file ({} missing)", path.string(), what));
    p += got;
    bytes -= static_cast<std::size_t>(got);
  }
}

}  // namespace

torch::Tensor read_idx(const std::filesystem::path& path) {
  // gzread reads plain files unchanged, so one path serves both.
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file || !std::filesystem::is_regular_file(path))
    throw DataError(fmt::format("{}: cannot open IDX file", path.string()));
  std::array<unsigned char, 4> magic{};
  read_exactly(file.get(), magic.data(), 4, path, "header");
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != kUnsignedByte || magic[3] == 0 || magic[3] > 4)
    throw DataError(fmt::format("{}: not an unsigned-byte IDX file (magic {:02x}{:02x}{:02x}{:02x})", path.string(),
                                magic[0], magic[1], magic[2], magic[3]));
  std::vector<std::int64_t> dims(magic[3]);
  std::int64_t total = 1;
  for (auto& d : dims) {
    std::array<unsigned char, 4> b{};
    read_exactly(file.get(), b.data(), 4, path, "dimensions");
    d = (std::int64_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    total *= d;
  }
  torch::Tensor out = torch::empty(dims, torch::kUInt8);
  read_exactly(file.get(), out.data_ptr<std::uint8_t>(), static_cast<std::size_t>(total), path,
               fmt::format("{} data bytes", total).c_str());
  return out;
}

void write_idx(const std::filesystem::path& path, const torch::Tensor& data) {
  const torch::Tensor bytes = data.to(torch::kUInt8).contiguous();
  const bool compress = path.extension() == ".gz";
  GzFile file(gzopen(path.c_str(), compress ? "wb6" : "wbT"));
  if (!file) throw DataError(fmt::format("{}: cannot write IDX file", path.string()));
  std::vector<unsigned char> header = {0, 0, kUnsignedByte, static_cast<unsigned char>(bytes.dim())};
  for (std::int64_t d : bytes.sizes())
    for (int shift : {24, 16, 8, 0}) header.push_back(static_cast<unsigned char>((d >> shift) & 0xff));
  const auto write = [&](const void* p, std::size_t n) {
    if (n > 0 && gzwrite(file.get(), p, static_cast<unsigned>(n)) != static_cast<int>(n))
      throw DataError(fmt::format("{}: write failed", path.string()));
  };
  write(header.data(), header.size());
  write(bytes.data_ptr<std::uint8_t>(), static_cast<std::size_t>(bytes.numel()));
}

}  // namespace unas::data
