#include "cli/dataset_options.h"

#include "cli/errors.h"
#include "cli/input_shape.h"

namespace unas::cli {

void DatasetOptions::add_to(CLI::App& cmd, bool required) {
  cmd.add_option("--dataset", kind, "Data set kind")->required(required)->check(CLI::IsMember(data::dataset_kinds()));
  cmd.add_option("--path", path, "Folder holding the data set in its real on-disk layout")->required(required);
  cmd.add_option("--image-size", image_size, "HxW images are resized to (chars74k)")->capture_default_str();
  cmd.add_flag("--binary", binary, "The 2-class variant (MNIST/CIFAR-10: label < 5, Chars74K: label < 31)");
  cmd.add_option("--split-seed", split_seed, "Seed of the stratified train/validation/test split")->capture_default_str();
}

data::DatasetSpec DatasetOptions::spec() const {
  const resources::TensorShape size = parse_input_shape(image_size + "x1", "--image-size");
  return data::DatasetSpec{kind, path, size.height, size.width, binary, split_seed};
}

}  // namespace unas::cli
