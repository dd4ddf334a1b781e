#include "data/load_dataset.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "data/chars74k.h"
#include "data/cifar_file.h"
#include "data/idx_file.h"
#include "data/image_pipeline.h"
#include "data/speech_commands.h"
#include "data/stratified_split.h"

#include <algorithm>

namespace unas::data {

namespace {

namespace fs = std::filesystem;

// "train-images-idx3-ubyte" or the same name with ".gz".
fs::path find_idx(const fs::path& dir, const std::string& stem) {
  for (const fs::path& p : {dir / stem, dir / (stem + ".gz")})
    if (fs::is_regular_file(p)) return p;
  throw DataError(fmt::format("{}: neither {} nor {}.gz found", dir.string(), stem, stem));
}

Split read_idx_pair(const fs::path& dir, const std::string& prefix) {
  const fs::path images_path = find_idx(dir, prefix + "-images-idx3-ubyte");
  const fs::path labels_path = find_idx(dir, prefix + "-labels-idx1-ubyte");
  const torch::Tensor images = read_idx(images_path);
  const torch::Tensor labels = read_idx(labels_path);
  if (images.dim() != 3 || labels.dim() != 1 || images.size(0) != labels.size(0))
    throw DataError(fmt::format("{}: expected N×H×W images with N labels in {}", images_path.string(), labels_path.string()));
  return Split{images.unsqueeze(1), labels.to(torch::kInt64)};
}

// Moves a stratified `count` of `from` into a new split.
Split carve(Split& from, std::int64_t count, Rng& rng) {
  const IndexSplit idx = stratified_split(from.labels, count, rng);
  Split carved = from.select(idx.taken);
  from = from.select(idx.kept);
  return carved;
}

void make_binary(Dataset& d, std::int64_t first_negative_label) {
  for (Split* s : {&d.train, &d.validation, &d.test}) s->labels = (s->labels < first_negative_label).to(torch::kInt64);
  d.num_classes = 2;
}

void check_labels(const Dataset& d) {
  for (const Split* s : {&d.train, &d.validation, &d.test})
    if (s->size() > 0 && (s->labels.min().item<std::int64_t>() < 0 || s->labels.max().item<std::int64_t>() >= d.num_classes))
      throw DataError(fmt::format("{}: labels outside 0..{}", d.name, d.num_classes - 1));
}

std::vector<fs::path> cifar_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (int k = 1; k <= 5; ++k) files.push_back(dir / fmt::format("data_batch_{}.bin", k));
  files.push_back(dir / "test_batch.bin");
  return files;
}

// Throws for an unknown kind, or a variant the kind does not have.
void check_kind(const DatasetSpec& spec) {
  const auto& kinds = dataset_kinds();
  if (std::find(kinds.begin(), kinds.end(), spec.kind) == kinds.end())
    throw DataError(fmt::format("unknown data set kind \"{}\" (known: {})", spec.kind, fmt::join(kinds, ", ")));
  if (spec.binary && spec.kind == "speech_commands") throw DataError("speech_commands has no binary variant");
}

Dataset load_image_dataset(const DatasetSpec& spec, Rng& rng) {
  Dataset d;
  Augmentation augmentation;
  d.name = spec.kind + (spec.binary ? "_binary" : "");
  if (spec.kind == "mnist" || spec.kind == "fashion_mnist") {
    d.train = read_idx_pair(spec.path, "train");
    d.test = read_idx_pair(spec.path, "t10k");
    d.validation = carve(d.train, d.train.size() / 10, rng);
    d.num_classes = 10;
    augmentation.shift_height = augmentation.shift_width = 2;
    augmentation.rotation_radians = 0.2;
    augmentation.rotation_probability = 0.3;
    augmentation.flip_left_right = spec.kind == "fashion_mnist";
    if (spec.binary) make_binary(d, 5);
  } else if (spec.kind == "cifar10") {
    std::vector<fs::path> files = cifar_files(spec.path);
    d.test = read_cifar10_batches({files.back()});
    files.pop_back();
    d.train = read_cifar10_batches(files);
    d.validation = carve(d.train, d.train.size() / 10, rng);
    d.num_classes = 10;
    augmentation.shift_height = augmentation.shift_width = 4;
    augmentation.flip_left_right = true;
    if (spec.binary) make_binary(d, 5);
  } else {
    Split all = read_chars74k(spec.path, spec.image_height, spec.image_width);
    constexpr std::int64_t kTest = 2000, kValidation = 705;
    if (all.size() <= kTest + kValidation)
      throw DataError(fmt::format("{}: {} images, the 2 000/705 test/validation split needs more", spec.path.string(), all.size()));
    d.test = carve(all, kTest, rng);
    d.validation = carve(all, kValidation, rng);
    d.train = all;
    d.num_classes = 62;
    augmentation.shift_height = spec.image_height / 10;  // ±10 %
    augmentation.shift_width = spec.image_width / 10;
    if (spec.binary) make_binary(d, 31);
  }
  const torch::Tensor& images = d.train.examples;
  d.input = resources::TensorShape{static_cast<int>(images.size(2)), static_cast<int>(images.size(3)), static_cast<int>(images.size(1))};
  d.pipeline = std::make_shared<ImagePipeline>(augmentation);
  return d;
}

}  // namespace

int dataset_classes(const DatasetSpec& spec) {
  check_kind(spec);
  if (spec.binary) return 2;
  if (spec.kind == "speech_commands") return kSpeechCommandsClasses;
  return spec.kind == "chars74k" ? 62 : 10;
}

resources::TensorShape dataset_input(const DatasetSpec& spec) {
  check_kind(spec);
  if (spec.kind == "speech_commands") return speech_commands_input();
  if (spec.kind == "cifar10") return {32, 32, 3};
  if (spec.kind == "chars74k") return {spec.image_height, spec.image_width, 3};
  return {28, 28, 1};
}

void check_dataset_files(const DatasetSpec& spec) {
  check_kind(spec);
  if (spec.kind == "mnist" || spec.kind == "fashion_mnist") {
    for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
      find_idx(spec.path, stem);
  } else if (spec.kind == "cifar10") {
    for (const fs::path& f : cifar_files(spec.path))
      if (!fs::is_regular_file(f)) throw DataError(fmt::format("{}: missing CIFAR-10 batch file", f.string()));
  } else if (spec.kind == "speech_commands") {
    check_speech_commands_files(spec.path);
  } else if (!fs::is_directory(spec.path / kChars74kImageDir)) {
    throw DataError(fmt::format("{}: no such directory (expected the Chars74K EnglishImg layout)", (spec.path / kChars74kImageDir).string()));
  }
}

const std::vector<std::string>& dataset_kinds() {
  static const std::vector<std::string> kinds = {"mnist", "fashion_mnist", "cifar10", "chars74k", "speech_commands"};
  return kinds;
}

Dataset load_dataset(const DatasetSpec& spec) {
  check_kind(spec);
  Rng rng(derive_seed(spec.split_seed, 0, "data split"));
  Dataset d = spec.kind == "speech_commands" ? read_speech_commands(spec.path, spec.split_seed) : load_image_dataset(spec, rng);
  check_labels(d);
  return d;
}

}  // namespace unas::data
